/**
 * How relations taught by example sentences are scored (pure): each taught relation's description
 * vector is adapted to its examples, and a sentence's score for it is the cosine-scale dot product
 * with the adapted vector, on the same scale as every other relation's description score.
 *
 * The bi-encoder's description vectors already form a classifier: score_j = s . d_j, and the
 * model's bi-only fusion turns `biWeight * score_j` and the "no relation" logit into
 * probabilities. The examples are labelled sentences for that classifier, so the library fits it
 * to them, holding each vector near its description with a Gaussian prior:
 *
 *   minimise  sum over examples i of  -log softmax([noneLogit, biWeight * x_i . w_j for j in C_i])[own(i)]
 *             + sum over taught j of strength_j / 2 * |w_j - d_j|^2,   starting from w_j = d_j,
 *
 * (strength_j: `strength`, or `nameOnlyStrength` for a relation known by its name only, whose vector
 * says less), by `steps` steps of Nesterov's accelerated gradient descent (momentum t / (t + 3) at
 * step t) with a per-relation step of 1 / (biWeight^2 / 2 * m_j + strength_j) (m_j: how many
 * examples j competes in; the bound on that block's curvature). C_i, the relations example i competes with, is its own, the `competitors` relations
 * whose descriptions score it highest, and the `competitors` taught relations whose prototypes
 * (normalised mean of their examples) are nearest; relations without examples take part with
 * their description fixed. Optional examples of pairs that hold none of the relations enter the
 * same sum with "no relation" as their answer (and C_i without an own relation): they push the
 * taught relations they resemble away.
 *
 * Why this and not a blend of description and prototype cosines (the rule before it): where a
 * description already classifies an example right the example barely moves it, so one example
 * cannot drag a good description down (K = 1 never below K = 0 on held-out relations), and
 * examples teach what separates a relation from the ones it is confused with, not only what its
 * sentences share. Measured in benchmarks/results/fewshot/. With no examples nothing changes.
 *
 * The gradient of w_j is a combination of example vectors, so w_j = d_j + sum_k a_jk x_k and the
 * descent runs on the coefficients a with the examples' Gram matrix: the same iterates as in the
 * 1152-dimensional space, at a cost that depends on the number of examples, not the vector size.
 * Every loop runs in a fixed order in double precision: the same examples give the same vectors.
 */
import type { Hit } from '../labels/topK.js';

export interface ExampleRule {
  /** the prior's strength: how firmly an adapted vector is held at its description vector. */
  strength: number;
  /** the same for a relation known by its name only (no description): its vector says less, so examples may move it further. */
  nameOnlyStrength: number;
  /** gradient steps. */
  steps: number;
  /** per example: how many relations by description score, and how many taught relations by prototype, compete with its own. */
  competitors: number;
  /**
   * Optional: the direction every marked sentence pair shares (the model's mean sentence vector
   * over pairs of running text). Examples then move a description only orthogonally to it. Why:
   * every marked sentence leans along that direction, so a description pulled toward its examples
   * along it scores every sentence higher alike, and pairs holding none of the relations cross
   * the threshold more often the more examples there are (benchmarks/results/fewshot/).
   */
  commonDirection?: readonly number[];
  /**
   * Optional, in logit units: a taught relation's logit is lowered by `shotPenalty` x ln(1 + K), K
   * its examples (`nameOnlyShotPenalty` for a relation known by its name only). Why: each adapted
   * vector is fitted to its own examples, so its scores are optimistic, the more so the more
   * examples fitted it, and the threshold let through ever more sentences that hold none of the
   * relations: on relations a model never trained on, precision of the answers given fell from
   * 93% at K = 0 to 75% at K = 10 (shipped model) and from 96% to 74% (the fewrel_m10_ori split
   * model with the rule it had on 2026-12-07), half the queries holding none
   * (benchmarks/results/fewshot/). Fitted by maximum likelihood on
   * such episodes of held-out relations with the strengths (benchmarks/lib/fewshotEpisodes.ts
   * fitRule); the likelihood's optimum grew with K as ln(1 + K) does on both models. Absent: 0.
   */
  shotPenalty?: number;
  nameOnlyShotPenalty?: number;
  /**
   * Optional, in logit units: a part of the shot penalty that does not grow with K, so that a
   * taught relation's logit is lowered by `shotPenaltyBase + shotPenalty x ln(1 + K)`
   * (`nameOnlyShotPenaltyBase` for a relation known by its name only). Why: on held-out relations
   * the penalty the likelihood chose for each K alone, divided by ln(1 + K), fell as K grew (a
   * FewRel split model's eval relations: 3.25, 2.73, 2.37, 2.19 per ln(1 + K) at K = 1, 2, 5, 10;
   * base + slope x ln(1 + K) fits all four within 0.1), so one slope was too mild at K = 1 and too
   * harsh at K = 10. Fitted with the slope and the strength. Absent: 0.
   */
  shotPenaltyBase?: number;
  nameOnlyShotPenaltyBase?: number;
  /**
   * Optional, in logit units: what examples of pairs that hold none of the relations take back
   * from the shot penalty, which becomes max(0, penalty x ln(1 + K) - noneRelief x ln(1 + N)), N
   * those examples. Why: they enter the fit with "no relation" as their answer and already push
   * the taught vectors away from such sentences, so the full penalty on top counted that twice
   * (a FewRel split model's recall at K = 10 fell from 28% to 5% with 10 of them, 64% with the
   * relief); the penalty the likelihood chose fell as they were added. Absent: 0.
   */
  noneRelief?: number;
}

/** For a model whose manifest carries no fitted rule (fusion.examples); benchmarks/fewshot.ts fits a model's own. */
export const unfittedExampleRule: ExampleRule = { strength: 30, nameOnlyStrength: 3, steps: 100, competitors: 8 };

/** What the fit reads of the model: its bi-only fusion scale and "no relation" logit, per example. */
export interface AdaptationScale {
  biWeight: number;
  noneLogit: (sentence: Float32Array) => number;
}

/** What the fit reads of the relation set: description vectors and the nearest descriptions to a vector. */
export interface DescriptionSpace {
  vector(index: number): Float32Array;
  search(query: Float32Array, k: number): Hit[];
}

export interface TaughtRelation {
  /** position of the relation in the extractor's relation list. */
  index: number;
  /** unit vectors of its examples (bi-encoder sentence side). */
  vectors: readonly Float32Array[];
  /** false for a relation known by its name only: the rule's nameOnlyStrength holds it. */
  described: boolean;
}

interface Competitor {
  /** relation index. */
  index: number;
  /** position among the taught relations, or -1 for a relation whose description stays fixed. */
  taught: number;
  /** x_i . d_j */
  descriptionDot: number;
}

/**
 * The adapted vector of every taught relation (relation index -> vector). `noneVectors`: optional
 * examples of pairs that hold none of the relations, fitted with "no relation" as their answer
 * (they push the relations they resemble away).
 */
export function adaptDescriptions(
  taught: readonly TaughtRelation[],
  descriptions: DescriptionSpace,
  scale: AdaptationScale,
  rule: ExampleRule,
  noneVectors: readonly Float32Array[] = [],
): Map<number, Float32Array> {
  const relations = [...taught].filter((relation) => relation.vectors.length > 0).sort((a, b) => a.index - b.index);
  const adapted = new Map<number, Float32Array>();
  if (relations.length === 0) return adapted;
  // own: the example's position among the taught relations, -1 for a "no relation" example.
  const examples = [
    ...relations.flatMap((relation, position) => relation.vectors.map((vector) => ({ own: position, vector }))),
    ...noneVectors.map((vector) => ({ own: -1, vector })),
  ];
  const n = examples.length;
  const count = relations.length;
  const prototypes = relations.map((relation) => prototypeOf(relation.vectors) as Float32Array);
  const positionOf = new Map(relations.map((relation, position) => [relation.index, position]));

  const candidates: Competitor[][] = examples.map(({ own, vector }) => {
    const ownIndex = own < 0 ? -1 : (relations[own] as TaughtRelation).index;
    const chosen = new Set<number>(own < 0 ? [] : [ownIndex]);
    // The label index's hits may include the own relation: ask for one more than needed.
    for (const hit of descriptions.search(vector, rule.competitors + 1).filter((hit) => hit.index !== ownIndex).slice(0, rule.competitors)) chosen.add(hit.index);
    const byPrototype = prototypes
      .map((prototype, position) => ({ position, score: dot(prototype, vector) }))
      .filter(({ position }) => position !== own)
      .sort((a, b) => b.score - a.score || a.position - b.position)
      .slice(0, rule.competitors);
    for (const { position } of byPrototype) chosen.add((relations[position] as TaughtRelation).index);
    return [...chosen]
      .sort((a, b) => a - b)
      .map((index) => ({ index, taught: positionOf.get(index) ?? -1, descriptionDot: dot(vector, descriptions.vector(index)) }));
  });
  const noneLogits = examples.map(({ vector }) => scale.noneLogit(vector));

  // With a common direction u the update directions are x_k - (x_k . u) u, so the Gram matrix
  // of the scores, x_i . (x_k - (x_k . u) u), is x_i . x_k - (x_i . u)(x_k . u).
  const direction = rule.commonDirection === undefined ? null : unit(rule.commonDirection);
  const along = examples.map(({ vector }) => (direction === null ? 0 : dot(vector, direction)));
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) {
    for (let k = i; k < n; k += 1) {
      const value = dot((examples[i] as { vector: Float32Array }).vector, (examples[k] as { vector: Float32Array }).vector) - (along[i] as number) * (along[k] as number);
      gram[i * n + k] = value;
      gram[k * n + i] = value;
    }
  }
  // Per taught relation: how many examples it competes in, and its step size.
  const involved = new Float64Array(count);
  for (const row of candidates) for (const { taught } of row) if (taught >= 0) involved[taught] = (involved[taught] as number) + 1;
  const strengths = relations.map((relation) => (relation.described ? rule.strength : rule.nameOnlyStrength));
  const step = Array.from(involved, (m, j) => 1 / ((scale.biWeight * scale.biWeight * m) / 2 + (strengths[j] as number)));

  const coefficients = new Float64Array(count * n); // a_jk, row j per taught relation
  // Nesterov's accelerated gradient: each step's gradient is taken at a point carried on along the
  // last step. Plain steps of the same size stopped far from the optimum (benchmarks/results/fewshot/
  // sets_*.json: 100 plain steps gave K = 5 macro F1 6 points below 1,000 plain steps on relation
  // sets the model never saw; 100 accelerated steps reach the 1,000-step result), at the same cost.
  const lookahead = new Float64Array(count * n);
  const previous = new Float64Array(count * n);
  const gradient = new Float64Array(count * n);
  const logits: number[] = [];
  for (let iteration = 0; iteration < rule.steps; iteration += 1) {
    const momentum = iteration / (iteration + 3);
    for (let at = 0; at < lookahead.length; at += 1) lookahead[at] = (coefficients[at] as number) + momentum * ((coefficients[at] as number) - (previous[at] as number));
    previous.set(coefficients);
    for (let at = 0; at < gradient.length; at += 1) gradient[at] = (strengths[Math.floor(at / n)] as number) * (lookahead[at] as number);
    for (let i = 0; i < n; i += 1) {
      const row = candidates[i] as Competitor[];
      logits.length = 0;
      let max = noneLogits[i] as number;
      for (const competitor of row) {
        let value = competitor.descriptionDot;
        if (competitor.taught >= 0) {
          const base = competitor.taught * n;
          for (let k = 0; k < n; k += 1) value += (lookahead[base + k] as number) * (gram[i * n + k] as number);
        }
        const logit = scale.biWeight * value;
        logits.push(logit);
        if (logit > max) max = logit;
      }
      let total = Math.exp((noneLogits[i] as number) - max);
      for (const logit of logits) total += Math.exp(logit - max);
      const ownPosition = (examples[i] as { own: number }).own;
      const own = ownPosition < 0 ? -1 : (relations[ownPosition] as TaughtRelation).index;
      row.forEach((competitor, position) => {
        if (competitor.taught < 0) return;
        const probability = Math.exp((logits[position] as number) - max) / total;
        const at = competitor.taught * n + i;
        gradient[at] = (gradient[at] as number) + scale.biWeight * (probability - (competitor.index === own ? 1 : 0));
      });
    }
    for (let j = 0; j < count; j += 1) {
      const size = step[j] as number;
      for (let k = 0; k < n; k += 1) coefficients[j * n + k] = (lookahead[j * n + k] as number) - size * (gradient[j * n + k] as number);
    }
  }

  relations.forEach((relation, j) => {
    const description = descriptions.vector(relation.index);
    const vector = new Float64Array(description);
    for (let k = 0; k < n; k += 1) {
      const weight = coefficients[j * n + k] as number;
      if (weight === 0) continue;
      const example = (examples[k] as { vector: Float32Array }).vector;
      for (let d = 0; d < vector.length; d += 1) vector[d] = (vector[d] as number) + weight * (example[d] as number);
      if (direction !== null) {
        const shift = weight * (along[k] as number);
        for (let d = 0; d < vector.length; d += 1) vector[d] = (vector[d] as number) - shift * (direction[d] as number);
      }
    }
    adapted.set(relation.index, Float32Array.from(vector));
  });
  return adapted;
}

/**
 * How far a taught relation's score is lowered (score units, the cosine scale: the rule's shot
 * penalty over the bi-only biWeight), so that `biWeight x (adapted score - offset)` is its logit
 * less `max(0, shotPenaltyBase + shotPenalty x ln(1 + shots) - noneRelief x ln(1 + noneShots))`,
 * noneShots the examples of pairs that hold none of the relations. 0 without a penalty or examples.
 */
export function shotOffset(rule: ExampleRule, shots: number, described: boolean, biWeight: number, noneShots = 0): number {
  const penalty = (described ? rule.shotPenalty : rule.nameOnlyShotPenalty) ?? 0;
  const base = (described ? rule.shotPenaltyBase : rule.nameOnlyShotPenaltyBase) ?? 0;
  if ((penalty === 0 && base === 0) || shots === 0) return 0;
  return Math.max(0, base + penalty * Math.log1p(shots) - (rule.noneRelief ?? 0) * Math.log1p(noneShots)) / biWeight;
}

/**
 * A sentence's score for a taught relation: its dot product with the adapted vector. Every
 * sentence scores every taught relation, so this runs relations x sentences times: four running
 * sums (a fixed order, so the same inputs give the same bits) make it about twice as fast in V8.
 */
export function adaptedScore(adapted: Float32Array, sentence: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const whole = adapted.length - (adapted.length % 4);
  let i = 0;
  for (; i < whole; i += 4) {
    s0 += (adapted[i] as number) * (sentence[i] as number);
    s1 += (adapted[i + 1] as number) * (sentence[i + 1] as number);
    s2 += (adapted[i + 2] as number) * (sentence[i + 2] as number);
    s3 += (adapted[i + 3] as number) * (sentence[i + 3] as number);
  }
  for (; i < adapted.length; i += 1) s0 += (adapted[i] as number) * (sentence[i] as number);
  return s0 + s1 + (s2 + s3);
}

function dot(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function unit(vector: readonly number[]): Float64Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i += 1) norm += (vector[i] as number) * (vector[i] as number);
  norm = Math.sqrt(norm);
  return Float64Array.from(vector, (value) => (norm === 0 ? 0 : value / norm));
}

/** The normalised mean of unit vectors (a relation's prototype); null for none. */
export function prototypeOf(vectors: readonly Float32Array[]): Float32Array | null {
  const first = vectors[0];
  if (first === undefined) return null;
  const mean = new Float64Array(first.length);
  for (const vector of vectors) for (let i = 0; i < mean.length; i += 1) mean[i] = (mean[i] as number) + (vector[i] as number);
  let norm = 0;
  for (let i = 0; i < mean.length; i += 1) norm += (mean[i] as number) * (mean[i] as number);
  norm = Math.sqrt(norm);
  return Float32Array.from(mean, (value) => (norm === 0 ? value : value / norm));
}
