/**
 * npm run bench:fewshot-sets -- --model DIR --split fewrel_m10_41 [--data-dir ../shared/data] [--draws 3] [--shots 1,5,10] [--queries 50] [--steps N] [--common-direction]
 *
 * Relations taught by examples on whole relation sets the model never trained on (issue 22's
 * own measurement: closed set over every relation of the set, macro F1, bi-encoder only, queries
 * outside the examples, seeded draws), for a FewRel split model, which trained on its split's
 * seen FewRel relations only (benchmarks/lib/relationSets.ts: DocRED relations outside the split's
 * training and eval relations, SemEval-2010, ChemProt). Per set and K:
 *  - description: K = 0, what the library does without examples;
 *  - prototype: the normalised mean of the examples, no description;
 *  - adapted (model rule): the library's rule (src/examples/adapt.ts) with the model's strengths;
 * --steps N replaces the rule's gradient steps (to measure how far the fit is from converged).
 * --common-direction adds a column: the model rule with a common direction (adapt.ts) computed for
 * this model from Re-DocRED calibration sentence pairs (benchmarks/lib/commonDirection.ts), for a
 * model whose manifest has none (a model that has one uses it in the model-rule column already).
 * Writes benchmarks/results/fewshot/sets_<model>.json.
 */
import { join, resolve } from 'node:path';
import { adaptDescriptions, adaptedScore, type ExampleRule, prototypeOf, unfittedExampleRule } from '../src/examples/adapt.js';
import { noneLogit, type FusionParams } from '../src/fusion/fuse.js';
import { exactSearch } from '../src/labels/exact.js';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { parseFlags } from './lib/args.js';
import { openBenchVectors } from './lib/benchVectors.js';
import { chemprotItems } from './lib/chemprot.js';
import { commonDirectionItems, meanDirection } from './lib/commonDirection.js';
import { classificationScores } from './lib/metrics.js';
import { namedFewrelSplit, requireTrainedFor } from './lib/splitModel.js';
import { repoPath, resultsDir, runEnvironment, writeResult } from './lib/environment.js';
import { seededRandom } from './lib/fewshotEpisodes.js';
import { chemprotSet, docredSet, type RelationSet, semevalSet, withoutRelations } from './lib/relationSets.js';

const usage = 'Usage: npm run bench:fewshot-sets -- --model DIR --split fewrel_m10_41 [--data-dir ../shared/data] [--draws 3] [--shots 1,5,10] [--queries 50] [--seed 7] [--steps N] [--common-direction]';
const flags = parseFlags(usage, {
  model: { type: 'string' },
  split: { type: 'string' },
  'data-dir': { type: 'string', default: '../shared/data' },
  draws: { type: 'string' },
  shots: { type: 'string', default: '1,5,10' },
  queries: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  'common-direction': { type: 'boolean', default: false },
});
if (flags.values.model === undefined || flags.values.split === undefined) throw flags.fail('--model and --split are required: the sets are held out only for a FewRel split model, which never trained on extra/');
const dataDir = resolve(flags.values['data-dir']);
const modelDir = resolve(flags.values.model);
const draws = flags.positiveInteger('draws', 3);
const queriesPerRelation = flags.positiveInteger('queries', 50);
const seed = flags.positiveInteger('seed', 7);
const shots = flags.values.shots.split(',').map((value) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw flags.fail(`--shots ${flags.values.shots}: expected positive integers separated by commas`);
  return number;
});
const maxShots = Math.max(...shots);
const split = namedFewrelSplit(dataDir, flags.values.split, flags.fail);
const started = performance.now();

const model = await loadModelDirectory(modelDir, 'int8', { crossEncoder: false });
const { manifest } = model;
requireTrainedFor(manifest, modelDir, split, flags.fail);
const minimum = maxShots + 5;
// DocRED relations the model's own few-shot rule was fitted on (bench:fewshot --write-rule records
// them) are left out: a rule is never measured on the relations it was fitted on.
const ruleFittedOn = (manifest.fusion.examples?.fittedOn ?? {}) as { docredRelations?: string[] };
const ruleDocred = new Set(ruleFittedOn.docredRelations ?? []);
const sets: RelationSet[] = [
  withoutRelations(await docredSet(dataDir, new Set([...split.train, ...split.eval]), minimum, maxShots + queriesPerRelation), ruleDocred),
  semevalSet(dataDir, minimum, maxShots + queriesPerRelation),
  chemprotSet(dataDir, (file) => chemprotItems(dataDir, file, 100000), minimum, maxShots + queriesPerRelation),
];

const { encodeItems, encodeRelations, release } = await openBenchVectors(model);
const encoded = [];
for (const set of sets) {
  console.log(`${set.name}: ${set.relations.length} relations, ${set.items.length} sentences: encoding`);
  encoded.push({ set, descriptions: await encodeRelations(set.relations), vectors: await encodeItems(set.items) });
}
let commonDirection: number[] | null = null;
if (flags.values['common-direction']) {
  const source = commonDirectionItems(dataDir);
  if (source === null) throw flags.fail(`--common-direction needs Re-DocRED: no extra/redocred/dev_revised.json under ${dataDir}`);
  console.log(`common direction: ${source.items.length} Re-DocRED sentence pairs: encoding`);
  commonDirection = meanDirection(await encodeItems(source.items));
}
await release();
const encodedSeconds = (performance.now() - started) / 1000;

const fusion: FusionParams = { ...manifest.fusion.biOnly, crossWeight: 0 };
const modelRule: ExampleRule = manifest.fusion.examples === undefined ? unfittedExampleRule : { ...unfittedExampleRule, ...manifest.fusion.examples };
const rule: ExampleRule = flags.values.steps === undefined ? modelRule : { ...modelRule, steps: flags.positiveInteger('steps', modelRule.steps) };
const scale = { biWeight: fusion.biWeight, noneLogit: (sentence: Float32Array) => noneLogit(fusion, sentence) };

/** Mean per-relation F1 and accuracy of closed-set argmax answers (relation positions). */
function macroF1(predicted: readonly number[], gold: readonly number[]): { macroF1: number; accuracy: number } {
  const { macroF1: meanF1, accuracy } = classificationScores(gold.map(String), predicted.map(String));
  return { macroF1: meanF1, accuracy };
}

const argmaxOver = (queries: readonly Float32Array[], vectors: readonly Float32Array[]) =>
  queries.map((query) => {
    let best = 0;
    let bestScore = -Infinity;
    vectors.forEach((vector, r) => {
      const score = adaptedScore(vector, query);
      if (score > bestScore) {
        bestScore = score;
        best = r;
      }
    });
    return best;
  });

type Scores = { macroF1: number; accuracy: number };
const rows: { set: string; relations: number; shots: number; draw: number; queries: number; methods: Record<string, Scores>; seconds: Record<string, number> }[] = [];
for (const { set, descriptions, vectors } of encoded) {
  const ids = set.relations.map((relation) => relation.id);
  const dim = (descriptions[0] as Float32Array).length;
  const table = new Float32Array(ids.length * dim);
  descriptions.forEach((vector, row) => table.set(vector, row * dim));
  const space = { vector: (index: number) => descriptions[index] as Float32Array, search: (query: Float32Array, k: number) => exactSearch(table, dim, query, k) };
  const byRelation = ids.map((id) => vectors.filter((_, index) => set.gold[index] === id));
  for (let draw = 0; draw < draws; draw += 1) {
    const random = seededRandom(seed * 1000 + draw);
    // One shuffle per relation and draw: the examples are its first K, the queries its last ones,
    // so every K of a draw is measured on the same queries.
    const shuffled = byRelation.map((list) => {
      const copy = [...list];
      for (let i = copy.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as Float32Array, copy[i] as Float32Array];
      }
      return copy;
    });
    const queries = shuffled.flatMap((list, r) => list.slice(maxShots, maxShots + queriesPerRelation).map((vector) => ({ vector, gold: r })));
    const queryVectors = queries.map((query) => query.vector);
    const gold = queries.map((query) => query.gold);
    const description = macroF1(argmaxOver(queryVectors, descriptions), gold);
    for (const k of shots) {
      const taught = shuffled.map((list, index) => ({ index, vectors: list.slice(0, k), described: true }));
      const methods: Record<string, Scores> = { description };
      const seconds: Record<string, number> = {};
      methods.prototype = macroF1(argmaxOver(queryVectors, taught.map((relation) => prototypeOf(relation.vectors) as Float32Array)), gold);
      const withRule = (chosen: ExampleRule) => {
        const adapted = adaptDescriptions(taught, space, scale, chosen);
        return macroF1(argmaxOver(queryVectors, descriptions.map((vector, index) => adapted.get(index) ?? vector)), gold);
      };
      let at = performance.now();
      methods['adapted (model rule)'] = withRule(rule);
      seconds.adapt = (performance.now() - at) / 1000;
      if (commonDirection !== null) methods['adapted (common direction)'] = withRule({ ...rule, commonDirection });
      rows.push({ set: set.name, relations: ids.length, shots: k, draw, queries: queries.length, methods, seconds });
      const show = (name: string) => `${name} ${(100 * (methods[name] as Scores).macroF1).toFixed(1)}`;
      console.log(`${set.name} K=${k} draw ${draw}: ${Object.keys(methods).map(show).join(' | ')} (fit ${seconds.adapt?.toFixed(2)} s)`);
    }
  }
}

// Means over draws, per set, K and method.
const summary = [...new Set(rows.map((row) => `${row.set}\t${row.shots}`))].map((key) => {
  const [set, k] = key.split('\t') as [string, string];
  const group = rows.filter((row) => row.set === set && row.shots === Number(k));
  const methods = Object.keys((group[0] as (typeof rows)[number]).methods);
  return {
    set,
    relations: (group[0] as (typeof rows)[number]).relations,
    shots: Number(k),
    draws: group.length,
    macroF1: Object.fromEntries(methods.map((method) => [method, Math.round((1000 * group.reduce((sum, row) => sum + (row.methods[method] as Scores).macroF1, 0)) / group.length) / 10])),
  };
});
for (const line of summary) console.log(JSON.stringify(line));

const out = writeResult(`sets_${manifest.name}`, {
  benchmark: 'fewshot-sets',
  environment: runEnvironment(),
  settings: {
    model: repoPath(modelDir),
    split: split.name,
    precision: 'int8',
    draws,
    shots,
    queriesPerRelation,
    seed,
    rule: { ...rule, commonDirection: rule.commonDirection === undefined ? null : `${rule.commonDirection.length} numbers` },
    commonDirectionColumn: commonDirection === null ? null : 'adapted (common direction): the model rule with the mean vector of Re-DocRED calibration sentence pairs (benchmarks/lib/commonDirection.ts) as its common direction',
    metric: 'closed set over every relation of the set; macro F1 = mean per-relation F1 of the argmax answers; queries outside the examples, the same queries for every K of a draw',
    sets: encoded.map(({ set }) => ({ name: set.name, relations: set.relations.map((relation) => relation.id), sentences: set.items.length })),
    leftOutOfDocred: { relations: [...ruleDocred], why: "the model's few-shot rule was fitted on them (manifest fusion.examples.fittedOn.docredRelations)" },
  },
  encodedSeconds: Math.round(encodedSeconds),
  summary,
  rows,
}, join(resultsDir, 'fewshot'));
console.log(`wrote ${repoPath(out)}`);

