/**
 * Name-bias probe (issue 11): held-out FewRel sentences scored as they are and with their entity
 * names swapped for those of a sentence of another relation (benchmarks/lib/nameSwap.ts). The F1
 * drop is how much the model answers from the names rather than from the context.
 *
 *   npm run bench:name-bias -- [--model DIR] [--data-dir ../shared/data] [--per-relation 50]
 *
 * Relations: the 10 `test` relations of FewRel m=10 `ori` (the default model's choice run never
 * trained on them; the shipped model did, so for it this measures name reliance on known
 * relations). Closed set among those 10; bi-encoder only and EMMA fused.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createExtractor, type ExtractItem } from 'zsre';
import { defaultModelDirectory } from '../src/model/defaultModel.js';
import { parseFlags } from './lib/args.js';
import { fewrelItems, fewrelRelations, fewrelSplit, type GoldItem } from './lib/datasets.js';
import { repoPath, runEnvironment, writeResult } from './lib/environment.js';
import { classificationScores } from './lib/metrics.js';
import { pickDonors, swapEntityNames } from './lib/nameSwap.js';

const flags = parseFlags('usage: npm run bench:name-bias -- [--model DIR] [--data-dir DIR] [--per-relation N]', {
  model: { type: 'string' },
  'data-dir': { type: 'string' },
  'per-relation': { type: 'string' },
});
const perRelation = flags.positiveInteger('per-relation', 50);
const dataDir = resolve(flags.values['data-dir'] ?? '../shared/data');
const model = resolve(flags.values.model ?? defaultModelDirectory());
const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')) as { name: string };

const split = fewrelSplit(dataDir, 10, 'ori');
const relations = fewrelRelations(dataDir, split.test);
// The swap needs disjoint head and tail: nested pairs are left out of the probe.
const original = fewrelItems(dataDir, split.test, perRelation).filter((item) => Math.max(...item.head) < Math.min(...item.tail) || Math.max(...item.tail) < Math.min(...item.head));
const donors = pickDonors(original);
const swapped = original.map((item, i) => swapEntityNames(item, donors[i] as GoldItem));
const gold = original.map((item) => item.gold);
const asItems = (items: GoldItem[]): ExtractItem[] => items.map(({ tokens, head, tail }) => ({ tokens, head, tail }));

const methods: Record<string, unknown>[] = [];
for (const useCrossEncoder of [false, true]) {
  const extractor = await createExtractor({ model, relations, useCrossEncoder, threads: 2 });
  const before = (await extractor.extractBatch(asItems(original))).map((r) => r.candidates[0]!.id);
  const after = (await extractor.extractBatch(asItems(swapped))).map((r) => r.candidates[0]!.id);
  await extractor.dispose();
  const scoresBefore = classificationScores(gold, before);
  const scoresAfter = classificationScores(gold, after);
  const followsDonor = after.filter((id, i) => id === donors[i]!.gold).length / after.length;
  methods.push({
    method: useCrossEncoder ? 'emma-fused' : 'bi',
    original: scoresBefore,
    swapped: scoresAfter,
    f1Drop: Math.round((scoresBefore.f1 - scoresAfter.f1) * 100) / 100,
    unchangedTop1: before.filter((id, i) => id === after[i]).length / before.length,
    followsDonorRelation: followsDonor,
  });
}

const result = {
  benchmark: 'name-bias',
  model: { directory: repoPath(model), name: manifest.name },
  data: { split: split.name, part: 'test', relations: split.test, perRelation, sentences: original.length, candidates: 'the 10 test relations (closed set)' },
  probe: 'head and tail tokens replaced by those of the same-position sentence of the next relation (benchmarks/lib/nameSwap.ts)',
  settings: { precision: 'int8', threads: 2 },
  methods,
  environment: runEnvironment(),
};
console.log(JSON.stringify(methods, null, 2));
console.log(`wrote ${writeResult(`name-bias_${manifest.name}`, result)}`);
