/**
 * Knowledge-graph scale: FewRel test sentences against all 11,665 Wikidata properties
 * (the gold one among them). hits@1 (fused) and hits@10 (bi-encoder recall), time per sentence
 * with exact search and with the HNSW index, index build time and size.
 *
 *   npm run bench:wikidata -- [--data-dir ../shared/data] [--models training/exports] [--split 5_ori] [--per-relation N] [--model DIR]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createExtractor } from 'zsre';
import { fewrelItems, fewrelSplit } from './lib/datasets.js';
import { parseFlags } from './lib/args.js';
import { repoPath, runEnvironment, writeResult } from './lib/environment.js';

const usage = 'Usage: npm run bench:wikidata -- [--data-dir ../shared/data] [--models training/exports] [--split 5_ori] [--per-relation N] [--model DIR]';
const flags = parseFlags(usage, {
  'data-dir': { type: 'string', default: '../shared/data' },
  models: { type: 'string', default: 'training/exports' },
  split: { type: 'string', default: '5_ori' },
  'per-relation': { type: 'string' },
  model: { type: 'string' },
});
const dataDir = resolve(flags.values['data-dir']);
const modelsDir = resolve(flags.values.models);
if (!/^\d+_[A-Za-z0-9]+$/.test(flags.values.split)) flags.fail(`--split: expected <m>_<seed>, e.g. 5_ori, received "${flags.values.split}"`);
const [mText, seed] = flags.values.split.split('_');
const perRelation = flags.positiveInteger('per-relation', 40);
const split = fewrelSplit(dataDir, Number(mText), seed ?? 'ori');
const model = flags.values.model ?? join(modelsDir, split.name);
const items = fewrelItems(dataDir, split.test, perRelation);
const inputs = items.map(({ tokens, head, tail }) => ({ tokens, head, tail }));

function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

const runs: Record<string, unknown>[] = [];
for (const index of ['exact', 'hnsw'] as const) {
  const cacheDir = mkdtempSync(join(tmpdir(), `zsre-bench-${index}-`));
  try {
    const buildStart = performance.now();
    const recall = await createExtractor({ model, relations: 'wikidata', index, cacheDir, useCrossEncoder: false, topK: 10, recallK: 10 });
    const buildSeconds = (performance.now() - buildStart) / 1000;
    const recallStart = performance.now();
    const recallResults = await recall.extractBatch(inputs);
    const recallMs = (performance.now() - recallStart) / inputs.length;
    await recall.dispose();
    const fused = await createExtractor({ model, relations: 'wikidata', index, cacheDir });
    const fusedStart = performance.now();
    const fusedResults = await fused.extractBatch(inputs);
    const fusedMs = (performance.now() - fusedStart) / inputs.length;
    await fused.dispose();
    const hits = (rank: number) =>
      recallResults.filter((r, i) => r.candidates.slice(0, rank).some((c) => c.id === items[i]!.gold)).length / items.length;
    const row = {
      index,
      indexBuildSeconds: buildSeconds,
      indexBytes: folderBytes(cacheDir),
      biHitsAt1: hits(1),
      biHitsAt10: hits(10),
      fusedHitsAt1: fusedResults.filter((r, i) => r.candidates[0]?.id === items[i]!.gold).length / items.length,
      msPerSentenceRecall: recallMs,
      msPerSentenceFused: fusedMs,
    };
    console.log(row);
    runs.push(row);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
const result = {
  benchmark: 'wikidata-scale',
  split: split.name,
  labels: 11665,
  sentences: items.length,
  perRelation,
  model: repoPath(resolve(model)),
  settings: { precision: 'int8', threads: 2, batch: 'extractBatch default' },
  environment: runEnvironment(),
  runs,
};
// A model other than the split's own benchmark model gets its own result file.
const resultName = flags.values.model !== undefined ? `wikidata-scale_${split.name}_${basename(model)}` : `wikidata-scale_${split.name}`;
console.log(`wrote ${writeResult(resultName, result)}`);
