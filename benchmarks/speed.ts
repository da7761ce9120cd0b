/**
 * Speed and memory in one run, so that ratios hold on a noisy machine: sentences per second of
 * bi-encoder only, EMMA fused (k=3) and the full cross-encoder at m = 5, 10, 15; p50/p95 latency of
 * a single extract() call; peak RSS. Stage costs are derived from the bi-only and fused runs.
 *
 *   npm run bench:speed -- [--data-dir ../shared/data] [--model DIR] [--sentences 300] [--threads 2]
 */
import { resolve } from 'node:path';
import { createExtractor } from 'zsre';
import { fewrelItems, fewrelRelations, fewrelSplit } from './lib/datasets.js';
import { parseFlags } from './lib/args.js';
import { runEnvironment, writeResult } from './lib/environment.js';
import { type MethodName, runMethod } from './lib/methods.js';

const flags = parseFlags('Usage: npm run bench:speed -- [--data-dir ../shared/data] [--model DIR] [--sentences 300] [--threads 2]', {
  'data-dir': { type: 'string', default: '../shared/data' },
  model: { type: 'string', default: 'training/exports/fewrel_m5_ori' },
  sentences: { type: 'string' },
  threads: { type: 'string' },
});
const dataDir = resolve(flags.values['data-dir']);
const model = resolve(flags.values.model);
const sentences = flags.positiveInteger('sentences', 300);
const threads = flags.positiveInteger('threads', 2);

const throughput: Record<string, unknown>[] = [];
for (const m of [5, 10, 15]) {
  const split = fewrelSplit(dataDir, m, 'ori');
  const relations = fewrelRelations(dataDir, split.test);
  const items = fewrelItems(dataDir, split.test, Math.ceil(sentences / m)).slice(0, sentences);
  const row: Record<string, number> = { m, sentences: items.length };
  for (const method of ['bi', 'emma3', 'fullcross'] as MethodName[]) {
    const run = await runMethod({ method, model, relations, items, threads });
    row[method] = run.sentencesPerSecond;
  }
  row.emma3OverFullcross = row.emma3! / row.fullcross!;
  row.emma3OverBi = row.emma3! / row.bi!;
  row.biStageMsPerSentence = 1000 / row.bi!;
  row.crossStageMsPerSentence = 1000 / row.emma3! - 1000 / row.bi!;
  console.log(row);
  throughput.push(row);
}

// Latency of one extract() call, as an app answering one request at a time sees it.
const split = fewrelSplit(dataDir, 5, 'ori');
const extractor = await createExtractor({ model, relations: fewrelRelations(dataDir, split.test), threads });
const items = fewrelItems(dataDir, split.test, 40);
const latencies: number[] = [];
for (const [i, { tokens, head, tail }] of items.entries()) {
  const started = performance.now();
  await extractor.extract({ tokens, head, tail });
  if (i >= 5) latencies.push(performance.now() - started); // the first calls warm up the sessions
}
await extractor.dispose();
latencies.sort((a, b) => a - b);
const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;

const result = {
  benchmark: 'speed',
  model,
  settings: { precision: 'int8', threads, method: 'extractBatch, default batch size' },
  environment: runEnvironment(),
  throughput,
  singleExtractMs: { p50: quantile(0.5), p95: quantile(0.95), calls: latencies.length, m: 5, k: 3 },
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
};
console.log(JSON.stringify(result, null, 2));
console.log(`wrote ${writeResult('speed', result)}`);
