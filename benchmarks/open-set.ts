/**
 * Open-set benchmark: FewRel test sentences where, for half of them, the gold relation is removed
 * from the candidates, so the right answer is "no relation". Measures the calibrated abstention.
 *
 *   npm run bench:open-set -- [--data-dir ../shared/data] [--models training/exports] [--split 5_ori] [--per-relation N]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createExtractor } from 'zsre';
import { type BenchRelation, fewrelItems, fewrelRelations, fewrelSplit, type GoldItem } from './lib/datasets.js';
import { parseFlags } from './lib/args.js';
import { runEnvironment, writeResult } from './lib/environment.js';

const usage = 'Usage: npm run bench:open-set -- [--data-dir ../shared/data] [--models training/exports] [--split 5_ori] [--per-relation N]';
const flags = parseFlags(usage, {
  'data-dir': { type: 'string', default: '../shared/data' },
  models: { type: 'string', default: 'training/exports' },
  split: { type: 'string', default: '5_ori' },
  'per-relation': { type: 'string' },
});
const dataDir = resolve(flags.values['data-dir']);
const modelsDir = resolve(flags.values.models);
const [mText, seed] = flags.values.split.split('_');
if (!/^\d+_[A-Za-z0-9]+$/.test(flags.values.split)) flags.fail(`--split: expected <m>_<seed>, e.g. 5_ori, received "${flags.values.split}"`);
const perRelation = flags.positiveInteger('per-relation', 200);
const split = fewrelSplit(dataDir, Number(mText), seed ?? 'ori');
const model = join(modelsDir, split.name);
if (!existsSync(join(model, 'manifest.json'))) throw new Error(`No model at ${model}: train one for ${split.name} first`);

const relations = fewrelRelations(dataDir, split.test);
const items = fewrelItems(dataDir, split.test, perRelation);

async function predict(candidates: BenchRelation[], batch: GoldItem[]): Promise<(string | null)[]> {
  if (batch.length === 0) return [];
  const extractor = await createExtractor({ model, relations: candidates, threads: 2 });
  try {
    const results = await extractor.extractBatch(batch.map(({ tokens, head, tail }) => ({ tokens, head, tail })));
    return results.map((r) => r.relation?.id ?? null);
  } finally {
    await extractor.dispose();
  }
}

// Even-indexed sentences of each relation keep their gold relation; odd-indexed ones lose it.
const kept = items.filter((_, i) => i % 2 === 0);
const keptPredicted = await predict(relations, kept);
let truePositiveAbstain = 0;
let falseAbstain = keptPredicted.filter((p) => p === null).length;
const keptCorrect = keptPredicted.filter((p, i) => p === kept[i]!.gold).length;
let removedCount = 0;
let wrongRelation = 0;
for (const relation of split.test) {
  const removed = items.filter((item, i) => i % 2 === 1 && item.gold === relation);
  const predicted = await predict(relations.filter((r) => r.id !== relation), removed);
  removedCount += removed.length;
  truePositiveAbstain += predicted.filter((p) => p === null).length;
  wrongRelation += predicted.filter((p) => p !== null).length;
}
const abstained = truePositiveAbstain + falseAbstain;
const result = {
  benchmark: 'fewrel-open-set',
  split: split.name,
  perRelation,
  sentences: { goldPresent: kept.length, goldRemoved: removedCount },
  abstention: {
    precision: abstained > 0 ? truePositiveAbstain / abstained : null,
    recall: truePositiveAbstain / removedCount,
  },
  goldPresent: {
    accuracy: keptCorrect / kept.length,
    abstainedRate: falseAbstain / kept.length,
  },
  goldRemoved: { falseRelationRate: wrongRelation / removedCount },
  settings: { threshold: 'manifest (fitted on eval relations)', precision: 'int8', threads: 2 },
  environment: runEnvironment(),
};
console.log(JSON.stringify(result, null, 2));
console.log(`wrote ${writeResult(`open-set_${split.name}`, result)}`);
