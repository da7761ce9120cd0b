/**
 * npm run bench:threshold-transfer -- --model DIR --split fewrel_m15_43 [--data-dir ../shared/data] [--draws 200] [--per-relation 100] [--seed 11] [--fit-relations N]
 *
 * Does the "no relation" threshold carry from the relations it was fitted on to other relations?
 * A model's threshold is fitted on 5 relations it never trained on, for precision 0.9 of the
 * answers given (training/zsre_train/calibrate.py). This repeats that fit on many draws of 5
 * relations from a pool that a FewRel split model never trained on, and measures each fitted
 * threshold on the pool's other relations, 5 at a time, as a user's own relation set would be:
 *  - pool: the DocRED-sentence relations that no FewRel relation shares (by Wikidata id) and the 9
 *    SemEval-2010 relation types (benchmarks/lib/relationSets.ts); never used to train a FewRel
 *    split model. The shipped model trained on both, so only split models can be measured.
 *  - fit (per draw, as the export does): the bi-only fusion's biWeight and noneLogit by maximum
 *    likelihood, then the smallest threshold reaching the target, on the 5 drawn relations with
 *    half the sentences missing their gold relation from the candidates (top 3);
 *  - measured: the same protocol on the other relations in groups of 5: precision of the answers
 *    given, share answered, recall of the answerable sentences; per group and pooled;
 *  - beside it: a relation-bootstrap threshold (the 90th percentile of the smallest thresholds of
 *    200 resamples of the 5 relations), and the model's own threshold (fitted on its FewRel eval
 *    relations) with its own fusion on the pool's groups.
 * --fit-relations N draws N relations for each fit instead of the export's 5 (measured sets stay at 5):
 * how many relations a user must label before a threshold fitted on them carries to new ones.
 * Writes benchmarks/results/threshold-transfer/transfer_<model>.json (_fitN with --fit-relations).
 */
import { join, resolve } from 'node:path';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { parseFlags } from './lib/args.js';
import { openBenchVectors } from './lib/benchVectors.js';
import { namedFewrelSplit, requireTrainedFor } from './lib/splitModel.js';
import { repoPath, resultsDir, runEnvironment, writeResult } from './lib/environment.js';
import { seededRandom } from './lib/fewshotEpisodes.js';
import { docredOutsideFewrel, semevalSet } from './lib/relationSets.js';
import {
  bestAnswers,
  type BiOnlyFusion,
  bootstrapThreshold,
  fitBiOnlyFusion,
  type Operating,
  operatingAt,
  protocolRows,
  smallestThreshold,
} from './lib/thresholdTransfer.js';

const usage = 'Usage: npm run bench:threshold-transfer -- --model DIR --split fewrel_m15_43 [--data-dir ../shared/data] [--draws 200] [--per-relation 100] [--seed 11] [--fit-relations N]';
const flags = parseFlags(usage, {
  model: { type: 'string' },
  split: { type: 'string' },
  'data-dir': { type: 'string', default: '../shared/data' },
  draws: { type: 'string' },
  'per-relation': { type: 'string' },
  seed: { type: 'string' },
  'fit-relations': { type: 'string' },
});
if (flags.values.model === undefined || flags.values.split === undefined) throw flags.fail('--model and --split are required: the pool is held out only for a FewRel split model, which never trained on extra/');
const dataDir = resolve(flags.values['data-dir']);
const modelDir = resolve(flags.values.model);
const draws = flags.positiveInteger('draws', 200);
const perRelation = flags.positiveInteger('per-relation', 100);
const seed = flags.positiveInteger('seed', 11);
const split = namedFewrelSplit(dataDir, flags.values.split, flags.fail);
const started = performance.now();
const environment = runEnvironment(); // the commit whose code runs, taken before any later commit

const model = await loadModelDirectory(modelDir, 'int8', { crossEncoder: false });
const { manifest } = model;
requireTrainedFor(manifest, modelDir, split, flags.fail);
const fittedOn = manifest.fusion.fittedOn as { targetPrecision?: number; relations?: string[] } | undefined;
const target = fittedOn?.targetPrecision ?? 0.9;
const calibrationSize = fittedOn?.relations?.length ?? 5;
const topK = manifest.fusion.topK;
const own: BiOnlyFusion = { biWeight: manifest.fusion.biOnly.biWeight, noneLogit: manifest.fusion.biOnly.noneLogit };
const ownThreshold = manifest.fusion.biOnly.threshold;

// The same pool for every split: relations outside all 80 FewRel relations.
const sets = [await docredOutsideFewrel(dataDir, 40, perRelation), semevalSet(dataDir, 40, perRelation)];
const { encodeItems, encodeRelations, release } = await openBenchVectors(model);
const relations: { id: string; description: Float32Array; sentences: Float32Array[] }[] = [];
for (const set of sets) {
  console.log(`${set.name}: ${set.relations.length} relations, ${set.items.length} sentences: encoding`);
  const descriptions = await encodeRelations(set.relations);
  const vectors = await encodeItems(set.items);
  set.relations.forEach((relation, r) => relations.push({ id: relation.id, description: descriptions[r] as Float32Array, sentences: vectors.filter((_, i) => set.gold[i] === relation.id) }));
}
await release();
const groupSize = calibrationSize; // the measured sets: as many relations as the export fitted on
const fitSize = flags.positiveInteger('fit-relations', calibrationSize);
if (relations.length < fitSize + groupSize) throw flags.fail(`--fit-relations ${fitSize}: the pool has ${relations.length} relations, fewer than ${fitSize} to fit on and a set of ${groupSize} to measure`);

// Cosines of every relation with every sentence of the pool, computed once.
const sentences = relations.flatMap((relation) => relation.sentences);
const owner = relations.flatMap((relation, r) => relation.sentences.map(() => r));
const cosines = relations.map((relation) =>
  Float64Array.from(sentences, (vector) => {
    let sum = 0;
    for (let i = 0; i < vector.length; i += 1) sum += (vector[i] as number) * (relation.description[i] as number);
    return sum;
  }),
);
const sentencesOf = relations.map((_, r) => owner.flatMap((o, s) => (o === r ? [s] : [])));
const cosine = (relation: number, sentence: number) => (cosines[relation] as Float64Array)[sentence] as number;
const encodedSeconds = (performance.now() - started) / 1000;

type Rule = 'export (point)' | 'relation bootstrap, 90th percentile' | "model's own (FewRel eval)";
const rules: Rule[] = ['export (point)', 'relation bootstrap, 90th percentile', "model's own (FewRel eval)"];
const perGroup: Record<Rule, Operating[]> = { 'export (point)': [], 'relation bootstrap, 90th percentile': [], "model's own (FewRel eval)": [] };
const pooled: Record<Rule, Operating[]> = { 'export (point)': [], 'relation bootstrap, 90th percentile': [], "model's own (FewRel eval)": [] };
const fitted: { biWeight: number; noneLogit: number; threshold: number; bootstrap: number }[] = [];
for (let draw = 0; draw < draws; draw += 1) {
  const random = seededRandom(seed * 100003 + draw);
  const order = relations.map((_, r) => r);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const calibration = order.slice(0, fitSize);
  const groups: number[][] = [];
  for (let at = fitSize; at + groupSize <= order.length; at += groupSize) groups.push(order.slice(at, at + groupSize));
  const calibrationRows = protocolRows(calibration, (r) => sentencesOf[r] as number[], cosine, topK, random);
  const fusion = fitBiOnlyFusion(calibrationRows);
  const calibrationAnswers = bestAnswers(calibrationRows, fusion);
  const threshold = smallestThreshold(calibrationAnswers, target);
  const byRelation = calibration.map((r) => calibrationAnswers.filter((_, i) => calibrationRows[i]?.relation === r));
  const bootstrap = bootstrapThreshold(byRelation, target, 0.9, 200, random);
  fitted.push({ biWeight: fusion.biWeight, noneLogit: fusion.noneLogit, threshold, bootstrap });
  const groupRows = groups.map((group) => protocolRows(group, (r) => sentencesOf[r] as number[], cosine, topK, random));
  const measure = (rule: Rule, fusionUsed: BiOnlyFusion, at: number) => {
    const answers = groupRows.map((rows) => bestAnswers(rows, fusionUsed));
    groupRows.forEach((rows, g) => perGroup[rule].push(operatingAt(answers[g] ?? [], rows, at)));
    pooled[rule].push(operatingAt(answers.flat(), groupRows.flat(), at));
  };
  measure('export (point)', fusion, threshold);
  measure('relation bootstrap, 90th percentile', fusion, bootstrap);
  measure("model's own (FewRel eval)", own, ownThreshold);
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
// Precision over the sets that got at least one answer (a silent set has none to speak of); how
// many were silent is reported beside it.
const describe = (operating: readonly Operating[]) => {
  const precision = operating.filter((o) => o.answers > 0).map((o) => o.precision);
  return {
    count: operating.length,
    silent: round(operating.filter((o) => o.answers === 0).length / Math.max(1, operating.length)),
    precision: { mean: round(mean(precision)), p10: round(quantile(precision, 0.1)), median: round(quantile(precision, 0.5)), p90: round(quantile(precision, 0.9)) },
    belowTarget: round(precision.filter((p) => p < target).length / Math.max(1, precision.length)),
    belowTargetBy5: round(precision.filter((p) => p < target - 0.05).length / Math.max(1, precision.length)),
    answered: round(mean(operating.map((o) => o.answered))),
    recall: round(mean(operating.map((o) => o.recall))),
  };
};
const summary = rules.map((rule) => ({ rule, perGroup: describe(perGroup[rule]), pooledPerDraw: describe(pooled[rule]) }));
for (const row of summary) {
  const g = row.perGroup;
  console.log(`${row.rule}: per group of ${groupSize} precision mean ${(100 * g.precision.mean).toFixed(1)} (10th percentile ${(100 * g.precision.p10).toFixed(1)}), below ${target} in ${(100 * g.belowTarget).toFixed(0)}%, answered ${(100 * g.answered).toFixed(1)}%, recall ${(100 * g.recall).toFixed(1)}%`);
}

const out = writeResult(`transfer_${manifest.name}${fitSize === calibrationSize ? '' : `_fit${fitSize}`}`, {
  benchmark: 'threshold-transfer',
  environment,
  settings: {
    model: repoPath(modelDir),
    split: split.name,
    precision: 'int8',
    fusion: 'bi-only',
    targetPrecision: target,
    topK,
    calibrationRelations: fitSize,
    groupSize,
    draws,
    perRelation,
    seed,
    pool: sets.map((set) => ({ name: set.name, relations: set.relations.map((relation) => relation.id), sentences: set.items.length })),
    protocol: 'every sentence of a relation set, its gold relation removed from the candidates for half of them (seeded), the top 3 of the rest by cosine as candidates (training/zsre_train/fusion.py abstention_targets); precision = right answers / answers at the threshold, answered = answers / sentences, recall = right answers / sentences whose gold is a candidate',
    rules: {
      'export (point)': `what the export does, on the drawn ${fitSize} relations: biWeight and noneLogit by maximum likelihood, then the smallest threshold whose precision reaches the target`,
      'relation bootstrap, 90th percentile': 'the same fusion; the 90th percentile of the smallest thresholds of 200 resamples (with replacement) of the drawn relations',
      "model's own (FewRel eval)": `the model's manifest fusion.biOnly (biWeight ${round(own.biWeight, 3)}, noneLogit ${round(own.noneLogit, 3)}, threshold ${round(ownThreshold, 4)}), fitted by its export on its FewRel eval relations`,
    },
    measured: `the pool's other relations in groups of ${groupSize} (per group: one relation set as a user would have; pooled per draw: all groups together)`,
  },
  encodedSeconds: Math.round(encodedSeconds),
  seconds: Math.round((performance.now() - started) / 1000),
  fitted: {
    biWeight: { mean: round(mean(fitted.map((f) => f.biWeight)), 3), p10: round(quantile(fitted.map((f) => f.biWeight), 0.1), 3), p90: round(quantile(fitted.map((f) => f.biWeight), 0.9), 3) },
    threshold: { mean: round(mean(fitted.map((f) => f.threshold))), p10: round(quantile(fitted.map((f) => f.threshold), 0.1)), p90: round(quantile(fitted.map((f) => f.threshold), 0.9)) },
    bootstrapThreshold: { mean: round(mean(fitted.map((f) => f.bootstrap))), p10: round(quantile(fitted.map((f) => f.bootstrap), 0.1)), p90: round(quantile(fitted.map((f) => f.bootstrap), 0.9)) },
  },
  summary,
}, join(resultsDir, 'threshold-transfer'));
console.log(`wrote ${repoPath(out)}`);
