/**
 * Scores for zero-shot relation classification.
 *
 * `precision`/`recall`/`f1` follow the definition used by ZS-BERT, RE-Matching and EMMA
 * (Sorokin & Gurevych 2017), as stated in shared/data/README.md:
 *   precision = (sum over gold classes r of precision_r) / (number of distinct predicted labels)
 *   recall    = mean over gold classes of recall_r
 *   f1        = 2PR / (P + R)
 * This is not the mean of per-class F1, which is reported separately as `macroF1`.
 */
export interface ClassificationScores {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  macroF1: number;
  sentences: number;
}

export function classificationScores(gold: readonly string[], predicted: readonly string[]): ClassificationScores {
  if (gold.length !== predicted.length) {
    throw new Error(`gold and predicted differ in length: ${gold.length} vs ${predicted.length}`);
  }
  if (gold.length === 0) throw new Error('no sentences to score');
  const goldCount = new Map<string, number>();
  const predictedCount = new Map<string, number>();
  const correctCount = new Map<string, number>();
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i]!;
    const p = predicted[i]!;
    goldCount.set(g, (goldCount.get(g) ?? 0) + 1);
    predictedCount.set(p, (predictedCount.get(p) ?? 0) + 1);
    if (g === p) {
      correct++;
      correctCount.set(g, (correctCount.get(g) ?? 0) + 1);
    }
  }
  let precisionSum = 0;
  let recallSum = 0;
  let f1Sum = 0;
  for (const [relation, n] of goldCount) {
    const hits = correctCount.get(relation) ?? 0;
    const predictedN = predictedCount.get(relation) ?? 0;
    const p = predictedN > 0 ? hits / predictedN : 0;
    const r = hits / n;
    precisionSum += p;
    recallSum += r;
    f1Sum += p + r > 0 ? (2 * p * r) / (p + r) : 0;
  }
  const precision = precisionSum / predictedCount.size;
  const recall = recallSum / goldCount.size;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, accuracy: correct / gold.length, macroF1: f1Sum / goldCount.size, sentences: gold.length };
}

export function meanAndStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n };
}
