/**
 * Where to put the threshold, from labelled pairs' probabilities (fitCalibration.ts): per pair the
 * probability of its best candidate, whether that candidate is a gold relation, and how many pairs
 * hold a relation at all (recall's denominator, gold among the candidates or not). The same rules as
 * training/zsre_train/none_vector.py (answered_f1, best_f1, threshold_for_precision).
 */

export interface Scored {
  best: Float64Array;
  bestRight: Uint8Array;
  related: number;
}

export interface OperatingPoint {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Thresholds from high to low with the answers and right answers at each (ties answer together). */
function sweep(scored: Scored): { threshold: number; answered: number; right: number }[] {
  const order = Array.from(scored.best.keys()).sort((a, b) => (scored.best[b] as number) - (scored.best[a] as number));
  const points: { threshold: number; answered: number; right: number }[] = [];
  let answered = 0;
  let right = 0;
  order.forEach((row, position) => {
    answered += 1;
    right += scored.bestRight[row] as number;
    const next = order[position + 1];
    if (next === undefined || (scored.best[next] as number) < (scored.best[row] as number)) {
      points.push({ threshold: scored.best[row] as number, answered, right });
    }
  });
  return points;
}

function point(threshold: number, answered: number, right: number, related: number): OperatingPoint {
  const precision = right / Math.max(1, answered);
  const recall = right / Math.max(1, related);
  return { threshold, precision, recall, f1: (2 * precision * recall) / Math.max(precision + recall, 1e-12) };
}

/** Precision, recall and F1 of answering where the best candidate's probability reaches `threshold`. */
export function atThreshold(scored: Scored, threshold: number): OperatingPoint {
  let answered = 0;
  let right = 0;
  scored.best.forEach((probability, row) => {
    if (probability < threshold) return;
    answered += 1;
    right += scored.bestRight[row] as number;
  });
  return point(threshold, answered, right, scored.related);
}

/** The threshold with the best F1 (the highest among equals). */
export function bestF1(scored: Scored): OperatingPoint {
  let best = point(1, 0, 0, scored.related);
  for (const { threshold, answered, right } of sweep(scored)) {
    const here = point(threshold, answered, right, scored.related);
    if (here.f1 > best.f1) best = here;
  }
  return best;
}

/** The smallest threshold whose precision reaches `target` with some recall; null where none does. */
export function thresholdForPrecision(scored: Scored, target: number): OperatingPoint | null {
  let found: OperatingPoint | null = null;
  for (const { threshold, answered, right } of sweep(scored)) {
    const here = point(threshold, answered, right, scored.related);
    if (right > 0 && here.precision >= target) found = here;
  }
  return found;
}
