/**
 * How a relation taught by example sentences is scored against a sentence (pure).
 *
 * A relation always has a description vector (from its description, or its name alone); with
 * examples it also has a prototype: the normalised mean of its examples' marked-sentence vectors,
 * which live on the same side of the bi-encoder as the sentence being classified. Its score is
 *
 *   score = (1 - lambda) * descriptionCosine + lambda * (scale * (prototypeCosine - background) + offset),
 *   lambda = n / (n + kappa)   (n = the relation's number of examples).
 *
 * Sentence-to-sentence cosines run higher and wider than sentence-to-description ones, and how
 * high depends on the domain: biomedical sentences of different relations look far more alike
 * than Wikipedia ones. `background` is that level, read off the relation set itself: the mean
 * cosine of each relation's examples with the other relations' prototypes (the rule's own
 * `background` where fewer than two relations have examples). `scale` and `offset` then map what
 * stands above it onto the description scale, so a relation with examples and one without sit
 * in one softmax, and the model's fusion weights, "no relation" logit and threshold keep their
 * meaning. Measured (benchmarks/results/fewshot/): fitted on one source and applied to another,
 * the mapping without the background term lost most of its calibration, with it kept it. `kappa` is how many examples weigh as much as the description: measured on relations
 * the shipped model never saw, one example alone is worse than a good description and five are
 * better, so the weight must grow with n (benchmarks/results/fewshot/). With n = 0 the score is
 * the description cosine, exactly as without this module.
 */
export interface ExampleRule {
  kappa: number;
  scale: number;
  offset: number;
  /** the background level used when the set cannot give its own (fewer than two relations with examples). */
  background: number;
}

/**
 * For a model whose manifest carries no fitted rule (fusion.examples): no mapping of scales, and
 * the description weighs as much as four examples. scripts/fit-examples-rule.ts fits a model's own.
 */
export const unfittedExampleRule: ExampleRule = { kappa: 4, scale: 0.7, offset: 0.3, background: 0.4 };

export function exampleWeight(count: number, rule: ExampleRule): number {
  return count <= 0 ? 0 : count / (count + rule.kappa);
}

export function blendScore(descriptionCosine: number, prototypeCosine: number, count: number, rule: ExampleRule, background: number): number {
  const lambda = exampleWeight(count, rule);
  if (lambda === 0) return descriptionCosine;
  return (1 - lambda) * descriptionCosine + lambda * (rule.scale * (prototypeCosine - background) + rule.offset);
}

/**
 * The background level of a relation set: the mean, over relations with examples, of the mean
 * cosine of their examples with the other relations' prototypes. Null with fewer than two such
 * relations. Depends on the relation set only, never on the sentences classified.
 */
export function backgroundLevel(relations: readonly { vectors: readonly Float32Array[]; prototype: Float32Array }[]): number | null {
  if (relations.length < 2) return null;
  let total = 0;
  relations.forEach((relation, own) => {
    let sum = 0;
    let count = 0;
    for (const vector of relation.vectors) {
      relations.forEach((other, index) => {
        if (index === own) return;
        sum += dot(vector, other.prototype);
        count += 1;
      });
    }
    total += count === 0 ? 0 : sum / count;
  });
  return total / relations.length;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** The normalised mean of unit vectors (a relation's prototype); null for none. */
export function prototypeOf(vectors: readonly Float32Array[]): Float32Array | null {
  const first = vectors[0];
  if (first === undefined) return null;
  const mean = new Float32Array(first.length);
  for (const vector of vectors) for (let i = 0; i < mean.length; i += 1) mean[i] = (mean[i] as number) + (vector[i] as number);
  let norm = 0;
  for (let i = 0; i < mean.length; i += 1) norm += (mean[i] as number) * (mean[i] as number);
  norm = Math.sqrt(norm);
  if (norm === 0) return mean;
  for (let i = 0; i < mean.length; i += 1) mean[i] = (mean[i] as number) / norm;
  return mean;
}
