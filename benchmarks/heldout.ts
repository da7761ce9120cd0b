/**
 * Held-out scores of a general-purpose (default) model, as its model card reports them:
 *  - FewRel: the 10 `test` relations of the m=10 "ori" split, closed set among those 10
 *    (default_holdout.yaml never trains on them, nor on extra-set relations of the same meaning);
 *  - ChemProt (a whole data set held out): its test file, closed set among its 13 labels, with the
 *    team's descriptions from training/data/relation_descriptions.json.
 *
 *   npm run bench:heldout -- --model DIR [--data-dir ../shared/data] [--per-relation 100]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createExtractor, type ExtractItem } from 'zsre';
import { chemprotItems as chemprotFileItems } from './lib/chemprot.js';
import { fewrelItems, fewrelRelations, fewrelSplit } from './lib/datasets.js';
import { parseFlags } from './lib/args.js';
import { repoPath, runEnvironment, writeResult } from './lib/environment.js';
import { classificationScores } from './lib/metrics.js';

const usage = 'Usage: npm run bench:heldout -- --model DIR [--data-dir ../shared/data] [--per-relation 100]';
const flags = parseFlags(usage, {
  model: { type: 'string' },
  'data-dir': { type: 'string', default: '../shared/data' },
  'per-relation': { type: 'string' },
});
const dataDir = resolve(flags.values['data-dir']);
const model = resolve(flags.required('model'));
const perRelation = flags.positiveInteger('per-relation', 100);
const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')) as { name: string; provenance: unknown };

/**
 * Three methods on the same sentences: the bi-encoder alone; EMMA fused (the model's topK); and
 * the cross-encoder alone (`fullcross`: every relation is a candidate, the answer is the best
 * crossScore), which shows whether the fine-grained stage is worth its cost on its own.
 */
const methods = [
  { method: 'bi', useCrossEncoder: false, full: false },
  { method: 'emma-fused', useCrossEncoder: true, full: false },
  { method: 'fullcross', useCrossEncoder: true, full: true },
] as const;

async function score(relations: { id: string; name: string; description?: string }[], items: ExtractItem[], gold: string[]) {
  const rows: Record<string, unknown>[] = [];
  for (const { method, useCrossEncoder, full } of methods) {
    // The cross-encoder alone must score every pair: 'always', or a model's adaptive gate would skip
    // it on confident sentences and the bi-encoder's pick would stand in for the cross-encoder's.
    const everyRelation = full ? { topK: relations.length, recallK: relations.length, rerank: 'always' as const } : {};
    const extractor = await createExtractor({ model, relations, useCrossEncoder, threads: 2, ...everyRelation });
    const started = performance.now();
    const results = await extractor.extractBatch(items);
    const seconds = (performance.now() - started) / 1000;
    await extractor.dispose();
    const predicted = results.map((r) =>
      full ? r.candidates.reduce((best, c) => ((c.crossScore ?? -Infinity) > (best.crossScore ?? -Infinity) ? c : best)).id : r.candidates[0]!.id,
    );
    rows.push({ method, ...classificationScores(gold, predicted), sentencesPerSecond: items.length / seconds });
  }
  return rows;
}

// FewRel held-out relations.
const split = fewrelSplit(dataDir, 10, 'ori');
const fewrel = fewrelItems(dataDir, split.test, perRelation);
const fewrelRows = await score(
  fewrelRelations(dataDir, split.test),
  fewrel.map(({ tokens, head, tail }) => ({ tokens, head, tail })),
  fewrel.map((item) => item.gold),
);

// ChemProt: its test file, markers stripped (lib/chemprot.ts).
const descriptions = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'training', 'data', 'relation_descriptions.json'), 'utf8')) as Record<string, { name: string; description: string }>;
const chemprotRelations = Object.entries(descriptions)
  .filter(([id]) => id.startsWith('chemprot:'))
  .map(([id, { name, description }]) => ({ id, name, description }));
const { items: chemprotItems, gold: chemprotGold } = chemprotFileItems(dataDir, 'test.txt', perRelation, (id) => descriptions[id] !== undefined);
const chemprotRows = await score(chemprotRelations, chemprotItems, chemprotGold);

const result = {
  benchmark: 'default-model-heldout',
  model: { directory: repoPath(model), name: manifest.name, provenance: manifest.provenance },
  perRelation,
  fewrel: { relations: split.test, sentences: fewrel.length, methods: fewrelRows },
  chemprot: { relations: chemprotRelations.length, sentences: chemprotItems.length, methods: chemprotRows },
  settings: { precision: 'int8', threads: 2, closedSet: true },
  environment: runEnvironment(),
};
console.log(JSON.stringify({ fewrel: fewrelRows, chemprot: chemprotRows }, null, 2));
console.log(`wrote ${writeResult(`heldout_${manifest.name}`, result)}`);
