/**
 * How far a "no relation" threshold fitted on a few relations carries to other relations
 * (benchmarks/threshold-transfer.ts). The export fits a model's bi-only fusion on its 5
 * calibration (eval) relations: biWeight and noneLogit by maximum likelihood, then the smallest
 * threshold whose precision reaches the target, with half the sentences missing their gold
 * relation from the candidates (training/zsre_train/calibrate.py, fusion.py). This file is that
 * procedure over precomputed cosines, so it can be repeated on many draws of relations.
 * Pure: numbers in, numbers out.
 */

/** One sentence under the fitting protocol: its top-k candidates' cosines (descending) and the gold's place among them. */
export interface ProtocolRow {
  /** cosines of the top-k candidates, best first. */
  cosines: number[];
  /** index of the gold relation among them, or -1 (removed from the candidates, or not retrieved). */
  target: number;
  /** the gold relation (an index into the caller's relation list). */
  relation: number;
}

/**
 * The protocol of fusion.abstention_targets: each sentence of each relation, its gold candidate
 * removed for half of them (a seeded coin), the remaining relations ranked by cosine, top k kept.
 * cosine(relation, sentence) reads a precomputed table.
 */
export function protocolRows(
  relations: readonly number[],
  sentencesOf: (relation: number) => readonly number[],
  cosine: (relation: number, sentence: number) => number,
  topK: number,
  random: () => number,
): ProtocolRow[] {
  if (topK > relations.length - 1) throw new Error(`top ${topK} needs at least ${topK + 1} relations, received ${relations.length}`);
  const rows: ProtocolRow[] = [];
  for (const gold of relations) {
    for (const sentence of sentencesOf(gold)) {
      const drop = random() < 0.5;
      const ranked = relations
        .filter((relation) => !(drop && relation === gold))
        .map((relation) => ({ relation, score: cosine(relation, sentence) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, topK);
      rows.push({ cosines: ranked.map((entry) => entry.score), target: ranked.findIndex((entry) => entry.relation === gold), relation: gold });
    }
  }
  return rows;
}

export interface BiOnlyFusion {
  biWeight: number;
  noneLogit: number;
}

/** softmax([noneLogit, biWeight * cosines]) of one row. */
function softmaxRow(row: ProtocolRow, { biWeight, noneLogit }: BiOnlyFusion): number[] {
  const logits = [noneLogit, ...row.cosines.map((cosine) => biWeight * cosine)];
  const max = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Mean negative log-likelihood of the rows' targets ("none" for -1). */
export function fusionLoss(rows: readonly ProtocolRow[], fusion: BiOnlyFusion): number {
  let sum = 0;
  for (const row of rows) sum -= Math.log(Math.max(1e-300, softmaxRow(row, fusion)[row.target + 1] as number));
  return sum / Math.max(1, rows.length);
}

/**
 * biWeight and noneLogit by maximum likelihood (the loss is convex in both: logits linear in
 * them), by Newton steps with step halving; fusion.fit_logit_weights does the same with L-BFGS.
 */
export function fitBiOnlyFusion(rows: readonly ProtocolRow[], start: BiOnlyFusion = { biWeight: 10, noneLogit: 0 }, steps = 50): BiOnlyFusion {
  let current = start;
  let loss = fusionLoss(rows, current);
  for (let step = 0; step < steps; step += 1) {
    // gradient g and Hessian H over (biWeight, noneLogit): logit j has features (cosine_j, 0), none (0, 1).
    let gw = 0, gb = 0, hww = 0, hwb = 0, hbb = 0;
    for (const row of rows) {
      const p = softmaxRow(row, current);
      const meanW = row.cosines.reduce((sum, cosine, j) => sum + (p[j + 1] as number) * cosine, 0);
      const meanB = p[0] as number;
      gw += meanW - (row.target >= 0 ? (row.cosines[row.target] as number) : 0);
      gb += meanB - (row.target < 0 ? 1 : 0);
      const eww = row.cosines.reduce((sum, cosine, j) => sum + (p[j + 1] as number) * cosine * cosine, 0);
      hww += eww - meanW * meanW;
      hwb += -meanW * meanB;
      hbb += meanB - meanB * meanB;
    }
    const n = Math.max(1, rows.length);
    [gw, gb, hww, hwb, hbb] = [gw / n, gb / n, hww / n + 1e-9, hwb / n, hbb / n + 1e-9];
    const det = hww * hbb - hwb * hwb;
    let dw = det > 0 ? (hbb * gw - hwb * gb) / det : gw;
    let db = det > 0 ? (hww * gb - hwb * gw) / det : gb;
    let moved = false;
    for (let halving = 0; halving < 30; halving += 1) {
      const next = { biWeight: current.biWeight - dw, noneLogit: current.noneLogit - db };
      const nextLoss = fusionLoss(rows, next);
      if (nextLoss < loss) {
        moved = loss - nextLoss > 1e-12;
        current = next;
        loss = nextLoss;
        break;
      }
      dw /= 2;
      db /= 2;
    }
    if (!moved) break;
  }
  return current;
}

/** Per row: the best candidate's probability, and whether that candidate is the gold. */
export function bestAnswers(rows: readonly ProtocolRow[], fusion: BiOnlyFusion): { probability: number; correct: boolean }[] {
  // The best candidate is the first (cosines are in descending order and share one weight).
  return rows.map((row) => ({ probability: row.cosines.length === 0 ? 0 : (softmaxRow(row, fusion)[1] as number), correct: row.target === 0 }));
}

/**
 * The smallest threshold whose precision (right answers / answers) reaches the target, among 0
 * and every best-candidate probability; 1 when none does (fusion.smallest_threshold).
 */
export function smallestThreshold(answers: readonly { probability: number; correct: boolean }[], target: number): number {
  const sorted = [...answers].sort((a, b) => b.probability - a.probability);
  let right = 0;
  let threshold = 1;
  for (let i = 0; i < sorted.length; i += 1) {
    right += sorted[i]!.correct ? 1 : 0;
    const last = i + 1 === sorted.length || sorted[i + 1]!.probability < sorted[i]!.probability; // the answers at this threshold include its ties
    if (last && right / (i + 1) >= target) threshold = i + 1 === sorted.length ? 0 : sorted[i]!.probability;
  }
  return threshold;
}

export interface Operating {
  /** right answers / answers (1 when nothing is answered: see answers). */
  precision: number;
  /** how many answers were given. */
  answers: number;
  /** answers / sentences. */
  answered: number;
  /** right answers / sentences whose gold is among the candidates. */
  recall: number;
}

export function operatingAt(answers: readonly { probability: number; correct: boolean }[], rows: readonly ProtocolRow[], threshold: number): Operating {
  let answered = 0;
  let right = 0;
  answers.forEach((answer) => {
    if (answer.probability < threshold) return;
    answered += 1;
    right += answer.correct ? 1 : 0;
  });
  const answerable = rows.filter((row) => row.target >= 0).length;
  return { precision: answered === 0 ? 1 : right / answered, answers: answered, answered: answered / Math.max(1, rows.length), recall: right / Math.max(1, answerable) };
}

/**
 * A more cautious rule, for comparison: resample the calibration relations with replacement,
 * take the smallest threshold of each resample, and keep the given quantile of them.
 */
export function bootstrapThreshold(
  rowsByRelation: readonly (readonly { probability: number; correct: boolean }[])[],
  target: number,
  quantile: number,
  resamples: number,
  random: () => number,
): number {
  const thresholds: number[] = [];
  for (let b = 0; b < resamples; b += 1) {
    const drawn = Array.from({ length: rowsByRelation.length }, () => rowsByRelation[Math.floor(random() * rowsByRelation.length)] ?? []).flat();
    thresholds.push(smallestThreshold(drawn, target));
  }
  thresholds.sort((a, b) => a - b);
  return thresholds[Math.min(thresholds.length - 1, Math.floor(quantile * thresholds.length))] ?? 1;
}
