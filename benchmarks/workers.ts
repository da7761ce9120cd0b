/**
 * Throughput of batch extraction with one process vs a worker pool on the same cores: one
 * extractor with 2 onnxruntime threads, a pool of 1 worker x 2 threads, and 2 workers x 1 thread.
 * Each configuration is loaded, warmed up on one batch, then timed on the same sentences.
 *
 *   npx tsx benchmarks/workers.ts [--model DIR] [--relations wikidata|FILE] [--sentences 512] [--batch-size 32]
 *
 * Writes benchmarks/results/workers.json. With the tiny fixture model the numbers show pool
 * overhead more than model cost; rerun with the real model for the figure that matters.
 */
import { createExtractor, type ExtractItem } from 'zsre';
import { createWorkerPool } from 'zsre/workers';
import { parseFlags } from './lib/args.js';
import { repoPath, runEnvironment, writeResult } from './lib/environment.js';

const usage = 'Usage: npx tsx benchmarks/workers.ts [--model DIR] [--relations wikidata|FILE] [--sentences 512] [--batch-size 32]';
const flags = parseFlags(usage, {
  model: { type: 'string' },
  relations: { type: 'string', default: 'wikidata' },
  sentences: { type: 'string' },
  'batch-size': { type: 'string' },
});
const model = flags.values.model;
const relations = flags.values.relations;
const sentences = flags.positiveInteger('sentences', 512);
const batchSize = flags.positiveInteger('batch-size', 32);

const subjects = ['Marie Curie', 'Douglas Adams', 'Ada Lovelace', 'Johann Sebastian Bach', 'Tim Cook', 'António Guterres'];
const objects = ['Warsaw', 'Cambridge', 'London', 'Leipzig', 'Apple', 'the United Nations'];
const frames = [
  '{h} was born in {t}.',
  'In the spring of that year {h} moved to {t}, where the family had lived for generations before the war.',
  '{h}, who later became famous for work that changed the field, spent several years in {t} and returned often.',
  'According to the archive, {h} signed a long contract with {t} after a year of negotiations and public debate.',
];
const items: ExtractItem[] = Array.from({ length: sentences }, (_, index) => {
  const head = subjects[index % subjects.length] as string;
  const tail = objects[(index * 7) % objects.length] as string;
  const frame = frames[index % frames.length] as string;
  return { text: frame.replace('{h}', head).replace('{t}', tail), head, tail };
});
const common = { relations, batchSize, ...(model === undefined ? {} : { model }) };

interface Runner {
  extractBatch(items: ExtractItem[]): Promise<unknown[]>;
  dispose(): Promise<void>;
}

async function measure(name: string, open: () => Promise<Runner>): Promise<Record<string, number | string>> {
  const loadStart = performance.now();
  const runner = await open();
  const loadSeconds = (performance.now() - loadStart) / 1000;
  try {
    await runner.extractBatch(items.slice(0, batchSize));
    const start = performance.now();
    const results = await runner.extractBatch(items);
    const seconds = (performance.now() - start) / 1000;
    if (results.length !== items.length) throw new Error(`${name}: ${results.length} results for ${items.length} items`);
    const row = { configuration: name, sentences: items.length, seconds: round(seconds), sentencesPerSecond: round(items.length / seconds), loadSeconds: round(loadSeconds) };
    console.log(row);
    return row;
  } finally {
    await runner.dispose();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

let modelName = model ?? 'default model';
const rows = [
  await measure('1 extractor x 2 threads (no pool)', async () => {
    const extractor = await createExtractor({ ...common, threads: 2 });
    modelName = `${extractor.model.name} (${repoPath(extractor.model.directory)}, ${extractor.model.precision})`;
    return extractor;
  }),
  await measure('pool: 1 worker x 2 threads', () => createWorkerPool({ ...common, workers: 1, threadsPerWorker: 2 })),
  await measure('pool: 2 workers x 1 thread', () => createWorkerPool({ ...common, workers: 2, threadsPerWorker: 1 })),
];
const single = Number(rows[1]?.sentencesPerSecond);
const double = Number(rows[2]?.sentencesPerSecond);
const result = {
  benchmark: 'workers',
  model: modelName,
  relations,
  batchSize,
  rows,
  twoWorkersOverOne: round(double / single),
  environment: runEnvironment(),
};
console.log(`2 workers / 1 worker: ${result.twoWorkersOverOne}x`);
console.log(`wrote ${writeResult('workers', result)}`);
