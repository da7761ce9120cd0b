/**
 * FewRel / Wiki-ZSL zero-shot benchmark through the public API.
 *
 *   npm run bench:fewrel -- [--data-dir ../shared/data] [--models training/exports]
 *       [--splits 5_ori,5_42] [--methods bi,emma2,emma3,emma4,fullcross] [--per-relation N]
 *       [--dataset fewrel|wikizsl] [--wikizsl-file PATH] [--model DIR]
 *       [--speed-sample 1000] [--emma-direct] [--out-dir benchmarks/results]
 *       [--hard-relations benchmarks/data/fewrel-hard-relations.json] [--predictions FILE]
 *
 * EMMA at k = 2, 3, 4 is decided from the full cross-encoder run's per-candidate scores
 * (lib/emmaFromScores.ts: the same fusion, without scoring the pairs again); its speed, and
 * its agreement with a direct run, are measured through the API on --speed-sample sentences
 * spread over all relations. --emma-direct runs every EMMA setting on every sentence instead.
 *
 * For each split it loads the model trained on that split's seen relations
 * (<models>/<dataset>_m<m>_<seed>/), predicts among the m unseen relations for their instances,
 * and writes <out-dir>/<dataset>_m<m>_<seed>.json (default benchmarks/results/; issue 12's runtime
 * runs go to benchmarks/results/fewrel/runtime/).
 *
 * Hard subset: for a FewRel split listed in --hard-relations, each method is also scored on the
 * sentences of the split's hard relations (lib/hardSubset.ts), as "hardSubset" in the result.
 * --predictions FILE writes {gold, methods: {method: [relation per sentence]}} in this script's
 * sentence order; with several splits the path must contain "{split}".
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fewrelItems, fewrelRelations, fewrelSplit, wikizslItems, wikizslRelations, wikizslSplit } from './lib/datasets.js';
import { parseFlags } from './lib/args.js';
import { repoPath, runEnvironment, writeResult } from './lib/environment.js';
import { classificationScores } from './lib/metrics.js';
import { allMethods, type MethodName, type MethodRun, runMethod } from './lib/methods.js';
import { emmaFromFullScores } from './lib/emmaFromScores.js';
import { hardRelationsOf, hardSubsetScores, readHardRelations } from './lib/hardSubset.js';
import { predictionsPath, writePredictions } from './lib/predictions.js';
import type { FusionParams } from '../src/fusion/fuse.js';

const usage = `Usage: npm run bench:fewrel -- [--data-dir ../shared/data] [--models training/exports]
    [--splits 5_ori,5_42] [--methods ${allMethods.join(',')}] [--per-relation N]
    [--dataset fewrel|wikizsl] [--wikizsl-file PATH] [--model DIR] [--speed-sample 1000] [--emma-direct]
    [--out-dir benchmarks/results] [--hard-relations benchmarks/data/fewrel-hard-relations.json] [--predictions FILE]`;
const flags = parseFlags(usage, {
  'data-dir': { type: 'string', default: '../shared/data' },
  models: { type: 'string', default: 'training/exports' },
  model: { type: 'string' },
  dataset: { type: 'string' },
  splits: { type: 'string', default: '5_ori,5_42,10_ori,10_42,15_ori,15_42' },
  methods: { type: 'string' },
  'per-relation': { type: 'string' },
  'speed-sample': { type: 'string' },
  'emma-direct': { type: 'boolean', default: false },
  'wikizsl-file': { type: 'string' },
  'out-dir': { type: 'string' },
  'hard-relations': { type: 'string', default: 'benchmarks/data/fewrel-hard-relations.json' },
  predictions: { type: 'string' },
});
const dataDir = resolve(flags.values['data-dir']);
const modelsDir = resolve(flags.values.models);
// --model DIR evaluates one model directory (e.g. the shipped models/<name>/) on the given split(s).
const modelOverride = flags.values.model;
const dataset = flags.choice('dataset', ['fewrel', 'wikizsl'] as const, 'fewrel');
const splits = flags.values.splits.split(',');
const methods = (flags.values.methods?.split(',') ?? allMethods) as MethodName[];
const perRelation = flags.positiveInteger('per-relation');
const emmaDirect = flags.values['emma-direct'];
const speedSample = flags.positiveInteger('speed-sample', 1000);
const wikizslFile = resolve(flags.values['wikizsl-file'] ?? join(dataDir, 'wikizsl', 'sample_6rel.json'));

for (const method of methods) {
  if (!allMethods.includes(method)) flags.fail(`--methods: unknown method "${method}": expected some of ${allMethods.join(', ')}`);
}
for (const splitArg of splits) {
  if (!/^\d+_[A-Za-z0-9]+$/.test(splitArg)) flags.fail(`--splits: invalid split "${splitArg}": expected <m>_<seed>, e.g. 5_ori`);
}
const outDir = flags.values['out-dir'] === undefined ? undefined : resolve(flags.values['out-dir']);
const predictionsTemplate = flags.values.predictions;
if (predictionsTemplate !== undefined && splits.length > 1 && !predictionsTemplate.includes('{split}')) {
  flags.fail(`--predictions: with ${splits.length} splits the path needs "{split}" in it, e.g. benchmarks/results/fewrel/runtime/{split}.predictions.json`);
}
// Read once, before any model runs: a malformed file stops here, not after an hour of scoring.
const hardRelationsFile = resolve(flags.values['hard-relations']);
const hardRelations = dataset === 'fewrel' ? readHardRelations(hardRelationsFile) : undefined;
if (dataset === 'fewrel' && hardRelations === undefined) console.error(`no hard subset: ${repoPath(hardRelationsFile)} does not exist`);

for (const splitArg of splits) {
  const [mText, seed] = splitArg.split('_');
  const m = Number(mText);
  if (!seed || !Number.isInteger(m)) throw new Error(`Invalid split "${splitArg}": expected <m>_<seed>, e.g. 5_ori`);
  const split = dataset === 'fewrel' ? fewrelSplit(dataDir, m, seed) : wikizslSplit(dataDir, m, seed);
  const model = modelOverride ? resolve(modelOverride) : join(modelsDir, split.name);
  if (!existsSync(join(model, 'manifest.json'))) {
    console.error(`skip ${split.name}: no model at ${model} (train it with training/train.py on this split)`);
    continue;
  }
  const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')) as {
    name: string;
    graphs: Record<string, { files: Record<string, { sha256: string }> }>;
    provenance: Record<string, unknown>;
    fusion: FusionParams;
  };
  const relations = dataset === 'fewrel' ? fewrelRelations(dataDir, split.test) : wikizslRelations(dataDir, split.test);
  const items = dataset === 'fewrel' ? fewrelItems(dataDir, split.test, perRelation) : wikizslItems(wikizslFile, split.test, perRelation);
  const partial = split.test.filter((id) => items.filter((item) => item.gold === id).length < (perRelation ?? 700));
  const gold = items.map((item) => item.gold);
  const rows: Record<string, unknown>[] = [];
  const predictedBy = new Map<MethodName, string[]>();
  const emmaMethods = methods.filter((method) => method.startsWith('emma'));
  const deriveEmma = !emmaDirect && methods.includes('fullcross') && emmaMethods.length > 0;
  const progress = (method: string) => (done: number, total: number) => process.stderr.write(`\r${split.name} ${method}: ${done}/${total}`);
  const report = (method: string, predicted: string[], timing: MethodRun, extra: Record<string, unknown> = {}) => {
    const scores = classificationScores(gold, predicted);
    rows.push({ method, ...scores, seconds: timing.seconds, sentencesPerSecond: timing.sentencesPerSecond, ...extra });
    predictedBy.set(method as MethodName, predicted);
    console.log(`${split.name} ${method}: P=${(scores.precision * 100).toFixed(2)} R=${(scores.recall * 100).toFixed(2)} F1=${(scores.f1 * 100).toFixed(2)} acc=${(scores.accuracy * 100).toFixed(2)} (${timing.sentencesPerSecond.toFixed(1)} sent/s)`);
  };
  let fullCross: MethodRun | undefined;
  for (const method of deriveEmma ? methods.filter((x) => !x.startsWith('emma')) : methods) {
    const run = await runMethod({ method, model, relations, items, onProgress: progress(method) });
    process.stderr.write('\n');
    if (method === 'fullcross') fullCross = run;
    report(method, run.predicted, run);
  }
  if (deriveEmma && fullCross) {
    const step = Math.max(1, Math.floor(items.length / speedSample));
    const sample = items.map((_, i) => i).filter((i) => i % step === 0);
    for (const method of emmaMethods) {
      const k = Math.min(Number(method.slice(4)), m);
      const predicted = fullCross.results.map((result) => emmaFromFullScores(result, k, manifest.fusion));
      const timed = await runMethod({ method, model, relations, items: sample.map((i) => items[i]!), onProgress: progress(`${method} (speed sample)`) });
      process.stderr.write('\n');
      const agreeing = timed.predicted.filter((id, j) => id === predicted[sample[j]!]).length;
      // Where the two disagree (int8 activations are quantised per batch), is either one better?
      const share = (right: (j: number) => boolean) => sample.filter((_, j) => right(j)).length / sample.length;
      report(method, predicted, timed, {
        scoresFrom: 'fullcross',
        speedMeasuredOnSentences: sample.length,
        agreementWithDirectRun: agreeing / sample.length,
        sampleAccuracy: {
          directRun: share((j) => timed.predicted[j] === gold[sample[j]!]),
          fromFullcross: share((j) => predicted[sample[j]!] === gold[sample[j]!]),
        },
      });
    }
  }
  rows.sort((a, b) => methods.indexOf(a.method as MethodName) - methods.indexOf(b.method as MethodName));
  const inOrder = new Map(methods.flatMap((method) => { const p = predictedBy.get(method); return p ? [[method, p] as const] : []; }));
  const hard = dataset === 'fewrel' ? hardRelationsOf(hardRelations, split.name, split.test) : undefined;
  const hardSubset = hard === undefined ? null : (hardSubsetScores(gold, inOrder, hard) ?? null);
  for (const row of hardSubset?.methods ?? []) console.log(`${split.name} ${row.method} hard subset (${hardSubset!.sentences} sentences): F1=${(row.f1 * 100).toFixed(2)}`);
  if (predictionsTemplate !== undefined) {
    const file = resolve(predictionsPath(predictionsTemplate, split.name));
    writePredictions(file, { gold, methods: Object.fromEntries(inOrder) });
    console.log(`wrote ${repoPath(file)}`);
  }
  const path = writeResult(split.name, {
    benchmark: `${dataset}-zero-shot`,
    split: split.name,
    pipeline: 'typescript-runtime-onnx-int8',
    m,
    seed,
    testRelations: split.test,
    relationsWithFewerInstances: partial,
    perRelation: perRelation ?? 'all',
    sentences: items.length,
    model: {
      directory: repoPath(model),
      name: manifest.name,
      sha256: Object.fromEntries(Object.entries(manifest.graphs).map(([g, v]) => [g, v.files.int8?.sha256])),
      provenance: manifest.provenance,
    },
    settings: {
      precision: 'int8',
      threads: 2,
      closedSet: true,
      emma: deriveEmma ? `decided from the fullcross run's scores; speed and agreement measured directly on ${speedSample} sentences` : 'direct run on every sentence',
    },
    environment: runEnvironment(),
    methods: rows,
    // null: the split is not listed in --hard-relations (or none of its hard sentences were kept).
    hardSubset,
  }, outDir);
  console.log(`wrote ${path}`);
}
