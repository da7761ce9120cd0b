/**
 * Scoring "no relation" on pairs where most hold nothing: precision, recall and F1 of the answers
 * at a threshold on an abstention score, the precision-recall curve, the threshold for a precision
 * target, and a small logistic abstention score fitted on other pairs. Pure: records in, numbers out.
 *
 * A pair is answered when its score is at least the threshold; an answer is right when its top-1
 * relation is one of the pair's gold relations. Precision = right answers / answers; recall =
 * related pairs answered right / related pairs (a pair with no gold relation can only cost
 * precision). `factPrecision` counts an answer right when the document states that relation for
 * the pair anywhere (the looser check).
 */

export interface ScoredPair {
  gold: readonly string[];
  facts: readonly string[];
  /** The top-1 relation and its probability (what the library compares with `threshold`). */
  top1: string;
  p1: number;
  /** The second candidate's probability (0 when there is none). */
  p2: number;
  /** The bi-encoder's raw cosine of the top-1 and of the second candidate. */
  bi1: number;
  bi2: number;
  /** The "no relation" share of the softmax. */
  none: number;
}

export interface Operating {
  threshold: number;
  answered: number;
  right: number;
  precision: number;
  recall: number;
  f1: number;
  factPrecision: number;
}

export type Score = (pair: ScoredPair) => number;

export const probabilityScore: Score = (pair) => pair.p1;

const f1Of = (precision: number, recall: number): number => (precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall));

/**
 * A score that leaves out (-1: below every threshold) the answers outside `relations`: the
 * benchmark's labels can judge only those (Re-DocRED's 96 relations when every Wikidata relation
 * is a candidate), so the pipeline is scored as keeping them alone; a related pair answered with
 * another relation counts as missed.
 */
export function onlyAmong(relations: ReadonlySet<string>, score: Score): Score {
  return (pair) => (relations.has(pair.top1) ? score(pair) : -1);
}

export function operatingPoint(pairs: readonly ScoredPair[], score: Score, threshold: number): Operating {
  let answered = 0, right = 0, factRight = 0;
  for (const pair of pairs) {
    if (score(pair) < threshold) continue;
    answered += 1;
    if (pair.gold.includes(pair.top1)) right += 1;
    if (pair.facts.includes(pair.top1)) factRight += 1;
  }
  const related = pairs.filter((pair) => pair.gold.length > 0).length;
  const precision = answered === 0 ? 0 : right / answered;
  const recall = related === 0 ? 0 : right / related;
  return { threshold, answered, right, precision, recall, f1: f1Of(precision, recall), factPrecision: answered === 0 ? 0 : factRight / answered };
}

/** Every distinct score as a threshold, highest first, with precision and recall there. */
export function curve(pairs: readonly ScoredPair[], score: Score): Operating[] {
  const related = pairs.filter((pair) => pair.gold.length > 0).length;
  const sorted = pairs.map((pair) => ({ pair, value: score(pair) })).sort((a, b) => b.value - a.value);
  const points: Operating[] = [];
  let answered = 0, right = 0, factRight = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const { pair, value } = sorted[i] as { pair: ScoredPair; value: number };
    answered += 1;
    if (pair.gold.includes(pair.top1)) right += 1;
    if (pair.facts.includes(pair.top1)) factRight += 1;
    if (i + 1 < sorted.length && (sorted[i + 1] as { value: number }).value === value) continue;
    const precision = right / answered;
    const recall = related === 0 ? 0 : right / related;
    points.push({ threshold: value, answered, right, precision, recall, f1: f1Of(precision, recall), factPrecision: factRight / answered });
  }
  return points;
}

export function bestF1(pairs: readonly ScoredPair[], score: Score): Operating {
  const points = curve(pairs, score);
  return points.reduce((best, point) => (point.f1 > best.f1 ? point : best), points[0] as Operating);
}

/**
 * The lowest threshold whose answers reach the precision target (the most recall at that
 * precision), or null when no threshold does. Points with fewer than `minAnswers` answers are
 * ignored: a precision over a handful of answers is noise.
 */
export function thresholdForPrecision(pairs: readonly ScoredPair[], score: Score, target: number, minAnswers = 20): Operating | null {
  let chosen: Operating | null = null;
  for (const point of curve(pairs, score)) {
    if (point.answered >= minAnswers && point.precision >= target && (chosen === null || point.recall > chosen.recall)) chosen = point;
  }
  return chosen;
}

/** At most `count` points of a curve, evenly spaced by recall, for result files and charts. */
export function thinCurve(points: readonly Operating[], count = 40): Operating[] {
  if (points.length <= count) return [...points];
  const kept: Operating[] = [];
  const maxRecall = Math.max(...points.map((p) => p.recall));
  let next = 0;
  for (const point of points) {
    if (point.recall >= next) {
      kept.push(point);
      next = point.recall + maxRecall / count;
    }
  }
  const last = points[points.length - 1] as Operating;
  if (kept[kept.length - 1] !== last) kept.push(last);
  return kept;
}

export const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The features of the logistic abstention score. */
export const logisticFeatureNames = ['p1', 'p1 - p2', 'none', 'bi1', 'bi1 - bi2'] as const;
const features = (pair: ScoredPair): number[] => [pair.p1, pair.p1 - pair.p2, pair.none, pair.bi1, pair.bi1 - pair.bi2];

export interface LogisticModel {
  features: readonly string[];
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/**
 * Logistic regression of "the top-1 is right" on the features above, standardised, by full-batch
 * gradient descent with a small L2 penalty: a deterministic fit, on the pairs given only.
 */
export function fitLogistic(pairs: readonly ScoredPair[], steps = 3000, rate = 0.5, l2 = 1e-3): LogisticModel {
  const rows = pairs.map(features);
  const targets = pairs.map((pair) => (pair.gold.includes(pair.top1) ? 1 : 0));
  const width = logisticFeatureNames.length;
  const mean = Array.from({ length: width }, (_, j) => rows.reduce((sum, row) => sum + (row[j] as number), 0) / rows.length);
  const std = Array.from({ length: width }, (_, j) => Math.sqrt(rows.reduce((sum, row) => sum + ((row[j] as number) - (mean[j] as number)) ** 2, 0) / rows.length) || 1);
  const x = rows.map((row) => row.map((value, j) => (value - (mean[j] as number)) / (std[j] as number)));
  const weights = new Array<number>(width).fill(0);
  let bias = 0;
  for (let step = 0; step < steps; step += 1) {
    const gradient = new Array<number>(width).fill(0);
    let gradientBias = 0;
    for (let i = 0; i < x.length; i += 1) {
      const row = x[i] as number[];
      const z = bias + row.reduce((sum, value, j) => sum + value * (weights[j] as number), 0);
      const error = 1 / (1 + Math.exp(-z)) - (targets[i] as number);
      for (let j = 0; j < width; j += 1) gradient[j] = (gradient[j] as number) + error * (row[j] as number);
      gradientBias += error;
    }
    for (let j = 0; j < width; j += 1) weights[j] = (weights[j] as number) - rate * ((gradient[j] as number) / x.length + l2 * (weights[j] as number));
    bias -= rate * (gradientBias / x.length);
  }
  return { features: [...logisticFeatureNames], mean, std, weights, bias };
}

export function logisticScore(model: LogisticModel): Score {
  return (pair) => {
    const z = features(pair).reduce((sum, value, j) => sum + ((value - (model.mean[j] as number)) / (model.std[j] as number)) * (model.weights[j] as number), model.bias);
    return 1 / (1 + Math.exp(-z));
  };
}
