import { internalsOf } from '../core/internals.js';
import { checkNotAborted, ZsreError } from '../errors.js';
import type { FusionParams } from '../fusion/fuse.js';
import { runPipeline, type ScoredItem } from '../pipeline/runBatch.js';
import type { ExtractItem, Extractor } from '../schemas.js';
import type { CalibrationFile } from './calibrationFile.js';
import {
  type BiasedFitRows,
  biasedProbabilities,
  fitNoneVector,
  fitRelationBiases,
  type FitRows,
  type NoneVector,
  noneShifts,
  takeBiasedRows,
  takeRows,
} from './noneVectorFit.js';
import { bestF1, type OperatingPoint, type Scored, thresholdForPrecision } from './operatingPoint.js';

/**
 * Fits a "no relation" calibration on pairs a user labelled with their own relations: for text
 * where most entity pairs hold none of them, the model's own calibration (fitted where every
 * sentence holds some relation) answers far too often, and a calibration fitted on another
 * relation set carries over little (benchmarks/results/none-vector/: best F1 +3 to +7 from a
 * vector fitted on other relations, +12 to +17 from one fitted on the same relations).
 *
 * Every pair is scored as the extractor scores it, with the cross-encoder on every candidate; then
 * for each fusion block (with the cross-encoder, and bi-encoder only) a none vector is fitted
 * (noneVectorFit.ts), its L2 strength chosen by best F1 on pairs held out by text or group (folds), and the
 * block's threshold set to the smallest that reaches `precision` on those held-out probabilities
 * (what new text will see; read off the pairs a vector was fitted on, a threshold is optimistic).
 * Then relation biases (one per relation, added to its logit; noneVectorFit.ts) are tried at each
 * of BIAS_L2_CHOICES with the vector's chosen L2, and kept where they raise that held-out best F1:
 * on Re-DocRED's calibration documents they lower relations answered wrongly more often than their
 * scores say (benchmarks/results/none-vector/relation-bias-trial.json); with few labels per
 * relation they may not, and then the calibration has none.
 */

/** Fields a labelled pair may have: an extract() item's, plus relation and group. */
const LABELLED_FIELDS = new Set(['text', 'tokens', 'head', 'tail', 'id', 'relation', 'group']);

/**
 * An item as extract() takes it, plus what holds: a relation id, several, or null for none of them;
 * `group` (optional) keeps pairs together when folds are cut, e.g. the document they come from
 * (default: pairs of the same text).
 */
export type LabelledPair = ExtractItem & { relation: string | readonly string[] | null; group?: string };

export interface FitCalibrationProgress {
  stage: 'score' | 'fit';
  done: number;
  total: number;
}

export interface FitCalibrationOptions {
  /** precision the threshold must reach on held-out pairs (default 0.7). */
  precision?: number;
  /** folds by text for choosing L2 and the threshold (default 4). */
  folds?: number;
  onProgress?: (event: FitCalibrationProgress) => void;
  signal?: AbortSignal;
}

export const L2_CHOICES = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1] as const;
/** the relation biases' L2 strengths tried (training/zsre_train/none_vector.py BIAS_L2_CHOICES). */
export const BIAS_L2_CHOICES = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2] as const;
const MIN_GROUPS = 8;

interface BlockRows {
  rows: FitRows;
  /** per pair: the best candidate's share of the relations' probability (softmax of z at its best). */
  bestShare: Float64Array;
  bestRight: Uint8Array;
  related: number;
  /** the same pairs for the fit with relation biases (the whole softmax). */
  biased: BiasedFitRows;
  /** n x k: candidate j of pair i is one of its gold relations. */
  right: Uint8Array;
}

interface FittedBlock {
  noneVector: NoneVector;
  /** by relation id; absent where relation biases did not help on held-out pairs. */
  relationBiases?: Record<string, number>;
  threshold: number;
  l2: number;
  biasL2: number | null;
  outOfFold: OperatingPoint;
  outOfFoldBestF1: OperatingPoint;
}

export async function fitCalibration(extractor: Extractor, pairs: readonly LabelledPair[], options: FitCalibrationOptions = {}): Promise<CalibrationFile> {
  const internals = internalsOf(extractor);
  if (internals === undefined) {
    throw new ZsreError('INVALID_INPUT', 'fitCalibration expects an extractor from createExtractor().');
  }
  internals.checkOpen();
  const { pipeline, manifest } = internals;
  const precision = options.precision ?? 0.7;
  const folds = options.folds ?? 4;
  if (!(precision > 0 && precision < 1)) throw new ZsreError('INVALID_INPUT', `fitCalibration: precision must lie between 0 and 1, received ${precision}.`);
  if (!Number.isInteger(folds) || folds < 2) throw new ZsreError('INVALID_INPUT', `fitCalibration: folds must be an integer of at least 2, received ${folds}.`);
  if (pipeline.crossEncoder === null) {
    throw new ZsreError('INVALID_INPUT', 'fitCalibration needs the cross-encoder (a calibration holds both fusion blocks): create the extractor with useCrossEncoder left on.');
  }
  if (!Array.isArray(pairs)) throw new ZsreError('INVALID_INPUT', `fitCalibration expects an array of labelled pairs, received ${typeof pairs}.`);
  const ids = new Set(pipeline.relations.map((relation) => relation.id));
  const items: ExtractItem[] = [];
  const gold: Set<string>[] = [];
  const groups: string[] = [];
  pairs.forEach((pair, position) => {
    checkLabelledPair(pair, position);
    const { relation, group, ...item } = pair;
    const labels = relation === null ? [] : typeof relation === 'string' ? [relation] : [...relation];
    const unknown = labels.filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw new ZsreError('INVALID_INPUT', `labelled pair ${position}: relation "${unknown[0]}" is not one of the extractor's relations: label with their ids, or null for none.`, {
        context: { pair: position, relation: unknown[0] },
      });
    }
    items.push(item as ExtractItem);
    gold.push(new Set(labels));
    groups.push(group ?? ('tokens' in item ? item.tokens.join(' ') : item.text));
  });
  const texts = new Set(groups).size;
  if (texts < MIN_GROUPS) {
    throw new ZsreError(
      'INVALID_INPUT',
      `fitCalibration needs pairs from at least ${MIN_GROUPS} different texts (or groups), received ${texts}: held-out folds are cut by text, so that the threshold is read off pairs the vector did not see.`,
    );
  }

  // Scored as the extractor scores, with the cross-encoder on every candidate.
  const scored: ScoredItem[] = [];
  await runPipeline({ ...pipeline, crossGate: null, candidateFloor: 0 }, items, {
    onScored: (item) => scored.push(item),
    onProgress: (done, total) => options.onProgress?.({ stage: 'score', done, total }),
    beforeBatch: () => {
      internals.checkOpen();
      checkNotAborted(options.signal);
    },
  });
  const related = gold.filter((labels) => labels.size > 0).length;
  if (related === 0 || related === items.length) {
    throw new ZsreError('INVALID_INPUT', `fitCalibration needs both pairs that hold a relation and pairs labelled null (none), received ${related} of ${items.length} related.`);
  }
  const idOf = (relation: number): string => pipeline.relations[relation]?.id ?? '';
  // A pair with a relation taught by examples among its candidates skips the cross-encoder
  // (rerank.ts) and is fused bi-only at run time, with the bi-only block's vector, biases and
  // threshold: so it counts for the bi-only block only. The fused block is fitted on the pairs the
  // cross-encoder scored; where those are too few to fit (every relation taught, say), the fused
  // block is the bi-only block's fit, which is what such pairs meet at run time anyway.
  const crossScored = scored.flatMap((item, row) => (item.crossScores === null ? [] : [row]));
  const fusedSubset = {
    scored: crossScored.map((row) => scored[row] as ScoredItem),
    gold: crossScored.map((row) => gold[row] as Set<string>),
    groups: crossScored.map((row) => groups[row] as string),
  };
  const fusedFittable =
    crossScored.length === scored.length ||
    (new Set(fusedSubset.groups).size >= Math.max(MIN_GROUPS, folds) && fusedSubset.gold.some((labels) => labels.size > 0) && fusedSubset.gold.some((labels) => labels.size === 0));
  const blockNames = fusedFittable ? (['fused', 'biOnly'] as const) : (['biOnly'] as const);
  const totalFits = blockNames.length * ((L2_CHOICES.length + BIAS_L2_CHOICES.length) * folds + 1);
  let fits = 0;
  const progress = (): void => {
    fits += 1;
    options.onProgress?.({ stage: 'fit', done: fits, total: totalFits });
  };
  const blockInputs = {
    fused: () => ({
      block: blockRows(fusedSubset.scored, fusedSubset.gold, () => pipeline.fusion, manifest.vectorSize, idOf, pipeline.relations.length),
      foldOf: foldsByText(fusedSubset.groups, folds),
    }),
    biOnly: () => ({
      block: blockRows(scored.map((item) => ({ ...item, crossScores: null })), gold, () => pipeline.biOnlyFusion, manifest.vectorSize, idOf, pipeline.relations.length),
      foldOf: foldsByText(groups, folds),
    }),
  };
  const fitted = {} as Record<'fused' | 'biOnly', FittedBlock>;
  for (const name of blockNames) {
    checkNotAborted(options.signal);
    const { block, foldOf } = blockInputs[name]();
    fitted[name] = fitBlock(name, block, foldOf, folds, precision, idOf, progress);
  }
  if (!fusedFittable) fitted.fused = fitted.biOnly;
  const round = (point: OperatingPoint): OperatingPoint => ({
    threshold: point.threshold,
    precision: Number(point.precision.toFixed(4)),
    recall: Number(point.recall.toFixed(4)),
    f1: Number(point.f1.toFixed(4)),
  });
  return {
    format: 'zsre-calibration',
    version: 1,
    model: { name: manifest.name, manifestSha256: 'manifestSha256' in manifest ? manifest.manifestSha256 : null },
    relations: pipeline.relations.map((relation) => relation.id),
    noneVector: fitted.fused.noneVector,
    threshold: fitted.fused.threshold,
    ...biasesOf(fitted.fused),
    biOnly: { noneVector: fitted.biOnly.noneVector, threshold: fitted.biOnly.threshold, ...biasesOf(fitted.biOnly) },
    fittedOn: {
      pairs: items.length,
      related,
      groups: texts,
      precisionTarget: precision,
      folds,
      l2: { fused: fitted.fused.l2, biOnly: fitted.biOnly.l2 },
      // null: relation biases did not raise the held-out best F1, and the block has none.
      relationBiasL2: { fused: fitted.fused.biasL2, biOnly: fitted.biOnly.biasL2 },
      // The pairs the fused block was fitted on: those the cross-encoder scored (a pair with a taught
      // relation among its candidates is not); 0 when too few to fit, and the fused block is the bi-only block's.
      fusedPairs: fusedFittable ? crossScored.length : 0,
      // Held-out pairs (each fold scored by vectors fitted without it): what new text should see.
      outOfFold: {
        fused: { atThreshold: round(fitted.fused.outOfFold), bestF1: round(fitted.fused.outOfFoldBestF1) },
        biOnly: { atThreshold: round(fitted.biOnly.outOfFold), bestF1: round(fitted.biOnly.outOfFoldBestF1) },
      },
      fittedAt: new Date().toISOString(),
    },
  };
}

/** One block's none vector (L2 chosen on held-out folds), its relation biases where they help, and its threshold. */
function fitBlock(
  name: 'fused' | 'biOnly',
  block: BlockRows,
  foldOf: Int32Array,
  folds: number,
  precision: number,
  idOf: (relation: number) => string,
  progress: () => void,
): FittedBlock {
  let chosen: { l2: number; f1: number; probabilities: Scored } | null = null;
  for (const l2 of L2_CHOICES) {
    const probabilities = outOfFold(block, foldOf, folds, l2, progress);
    const { f1 } = bestF1(probabilities);
    // Among equal F1 the stronger L2: the simpler vector.
    if (chosen === null || f1 >= chosen.f1) chosen = { l2, f1, probabilities };
  }
  let picked = chosen as { l2: number; f1: number; probabilities: Scored; biasL2?: number };
  for (const biasL2 of BIAS_L2_CHOICES) {
    const probabilities = outOfFoldBiased(block, foldOf, folds, picked.l2, biasL2, progress);
    const { f1 } = bestF1(probabilities);
    // Only where they do better than the vector alone; among equal F1 the stronger L2.
    if (f1 > picked.f1 || (picked.biasL2 !== undefined && f1 >= picked.f1)) picked = { l2: picked.l2, f1, probabilities, biasL2 };
  }
  const at = thresholdForPrecision(picked.probabilities, precision);
  if (at === null) {
    throw new ZsreError(
      'INVALID_INPUT',
      `fitCalibration: no threshold reaches precision ${precision} on the held-out labelled pairs (${name} block; best F1 ${picked.f1.toFixed(3)}): ` +
        'label more pairs, or ask for a lower precision.',
    );
  }
  const common = { threshold: at.threshold, l2: picked.l2, outOfFold: at, outOfFoldBestF1: bestF1(picked.probabilities) };
  let result: FittedBlock;
  if (picked.biasL2 === undefined) {
    result = { ...common, noneVector: fitNoneVector(block.rows, picked.l2), biasL2: null };
  } else {
    const { relationBiases, ...noneVector } = fitRelationBiases(block.biased, picked.l2, picked.biasL2);
    // Only the relations the pairs had among their candidates moved; the others' biases stay 0 and are left out.
    const byId = Object.fromEntries(relationBiases.flatMap((bias, relation) => (bias === 0 ? [] : [[idOf(relation), bias] as const])));
    result = { ...common, noneVector, relationBiases: byId, biasL2: picked.biasL2 };
  }
  progress();
  return result;
}

function biasesOf(block: FittedBlock): { relationBiases?: Record<string, number> } {
  return block.relationBiases === undefined ? {} : { relationBiases: block.relationBiases };
}

/**
 * The label and the fields around the item (the item itself is checked as extract() checks it,
 * when it is scored): an error names the pair and says what a labelled pair is.
 */
function checkLabelledPair(pair: unknown, position: number): void {
  const shape = 'A labelled pair is an extract() item ({text, head, tail} or {tokens, head, tail}) plus "relation": a relation id, a list of ids, or null for none of them.';
  const fail = (problem: string): never => {
    throw new ZsreError('INVALID_INPUT', `labelled pair ${position}: ${problem}. ${shape}`, { context: { pair: position } });
  };
  if (typeof pair !== 'object' || pair === null || Array.isArray(pair)) fail(`expected an object, received ${Array.isArray(pair) ? 'an array' : pair === null ? 'null' : typeof pair}`);
  const record = pair as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !LABELLED_FIELDS.has(key));
  if (unknown.length > 0) fail(`unknown field "${unknown[0]}"`);
  if (!Object.hasOwn(record, 'relation')) fail('"relation" is missing (null when the pair holds none of the relations)');
  const { relation, group } = record;
  const isIdList = Array.isArray(relation) && relation.length > 0 && relation.every((id) => typeof id === 'string');
  if (!(relation === null || typeof relation === 'string' || isIdList)) fail('"relation" must be a relation id, a non-empty list of ids, or null');
  if (group !== undefined && typeof group !== 'string') fail(`"group" must be a string, received ${typeof group}`);
}

/** What fitting and the operating point read of each pair under one fusion block. */
function blockRows(
  scored: readonly ScoredItem[],
  gold: readonly Set<string>[],
  paramsFor: (item: ScoredItem) => FusionParams,
  dim: number,
  idOf: (relation: number) => string,
  relationCount: number,
): BlockRows {
  const n = scored.length;
  const vectors = new Float32Array(n * dim);
  const offsets = new Float64Array(n);
  const none = new Uint8Array(n);
  const bestShare = new Float64Array(n);
  const bestRight = new Uint8Array(n);
  // Every pair has the extractor's topK candidates; a shorter list is padded with candidates of
  // logit -Infinity (probability 0: they move nothing).
  const k = scored.reduce((most, item) => Math.max(most, item.hits.length), 0);
  const logitsAll = new Float64Array(n * k).fill(Number.NEGATIVE_INFINITY);
  const relations = new Int32Array(n * k);
  const right = new Uint8Array(n * k);
  const targets = new Int32Array(n);
  scored.forEach((item, row) => {
    vectors.set(item.vector, row * dim);
    const params = paramsFor(item);
    // The fused logits as fuse.ts computes them; every candidate has a cross score here.
    const logits = item.hits.map((hit, position) =>
      item.crossScores === null ? params.biWeight * hit.score : params.biWeight * hit.score + params.crossWeight * (item.crossScores[position] ?? 0),
    );
    const max = Math.max(...logits);
    const logSum = max + Math.log(logits.reduce((sum, logit) => sum + Math.exp(logit - max), 0));
    const best = logits.indexOf(max);
    offsets[row] = params.noneLogit - logSum;
    logitsAll.set(logits, row * k);
    item.hits.forEach((hit, position) => {
      relations[row * k + position] = hit.index;
      right[row * k + position] = (gold[row] as Set<string>).has(idOf(hit.index)) ? 1 : 0;
    });
    bestShare[row] = Math.exp(max - logSum);
    const labels = gold[row] as Set<string>;
    const target = item.hits.findIndex((hit) => labels.has(idOf(hit.index)));
    none[row] = target < 0 ? 1 : 0;
    targets[row] = target;
    bestRight[row] = labels.has(idOf((item.hits[best] as { index: number }).index)) ? 1 : 0;
  });
  const noneLogits = Float64Array.from(scored, (item) => paramsFor(item).noneLogit);
  return {
    rows: { vectors, dim, offsets, none },
    bestShare,
    bestRight,
    related: gold.filter((labels) => labels.size > 0).length,
    biased: { vectors, dim, k, noneLogits, logits: logitsAll, relations, relationCount, target: targets },
    right,
  };
}

/** As outOfFold, with relation biases: the best candidate can change, so it is read per pair. */
function outOfFoldBiased(block: BlockRows, foldOf: Int32Array, folds: number, l2: number, biasL2: number, progress: () => void): Scored {
  const best = new Float64Array(foldOf.length);
  const bestRight = new Uint8Array(foldOf.length);
  const { k } = block.biased;
  for (let fold = 0; fold < folds; fold += 1) {
    const held: number[] = [];
    const kept: number[] = [];
    foldOf.forEach((value, row) => (value === fold ? held : kept).push(row));
    const fitted = fitRelationBiases(takeBiasedRows(block.biased, kept), l2, biasL2);
    progress();
    biasedProbabilities(takeBiasedRows(block.biased, held), fitted).forEach((p, position) => {
      const row = held[position] as number;
      let top = 1;
      for (let j = 2; j <= k; j += 1) if ((p[j] as number) > (p[top] as number)) top = j;
      best[row] = p[top] as number;
      bestRight[row] = block.right[row * k + top - 1] as number;
    });
  }
  return { best, bestRight, related: block.related };
}

/** Each pair's best-candidate probability under vectors fitted without its fold. */
function outOfFold(block: BlockRows, foldOf: Int32Array, folds: number, l2: number, progress: () => void): Scored {
  const best = new Float64Array(foldOf.length);
  for (let fold = 0; fold < folds; fold += 1) {
    const held: number[] = [];
    const kept: number[] = [];
    foldOf.forEach((value, row) => (value === fold ? held : kept).push(row));
    const vector = fitNoneVector(takeRows(block.rows, kept), l2);
    progress();
    const heldRows = takeRows(block.rows, held);
    const shifts = noneShifts(heldRows.vectors, heldRows.dim, vector);
    held.forEach((row, position) => {
      const noneProbability = 1 / (1 + Math.exp(-((block.rows.offsets[row] as number) + (shifts[position] as number))));
      best[row] = (1 - noneProbability) * (block.bestShare[row] as number);
    });
  }
  return { best, bestRight: block.bestRight, related: block.related };
}

/** Fold of each pair: its group's (text's) place in a seeded shuffle of the distinct texts, cut into `folds`. */
function foldsByText(groups: readonly string[], folds: number): Int32Array {
  const distinct = [...new Set(groups)];
  let state = 0x5eed;
  const random = (): number => {
    // mulberry32: a fixed seed, so the same pairs always give the same calibration.
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = distinct.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [distinct[i], distinct[j]] = [distinct[j] as string, distinct[i] as string];
  }
  const foldOfText = new Map(distinct.map((text, position) => [text, Math.floor((position * folds) / distinct.length)]));
  return Int32Array.from(groups, (text) => foldOfText.get(text) as number);
}
