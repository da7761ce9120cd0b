/**
 * How a relation taught by example sentences is scored against a sentence (pure).
 *
 * A relation always has a description vector (from its description, or its name alone); with
 * examples it also has a prototype: the normalised mean of its examples' marked-sentence vectors,
 * which live on the same side of the bi-encoder as the sentence being classified. Its score is
 *
 *   score = (1 - lambda) * descriptionCosine + lambda * (scale * prototypeCosine + offset),
 *   lambda = n / (n + kappa)   (n = the relation's number of examples).
 *
 * Sentence-to-sentence cosines run higher and wider than sentence-to-description ones; `scale`
 * and `offset` map the first onto the second, so a relation with examples and one without sit
 * in one softmax, and the model's fusion weights, "no relation" logit and threshold keep their
 * meaning. `kappa` is how many examples weigh as much as the description: measured on relations
 * the shipped model never saw, one example alone is worse than a good description and five are
 * better, so the weight must grow with n (benchmarks/results/fewshot/). With n = 0 the score is
 * the description cosine, exactly as without this module.
 */
export interface ExampleRule {
  kappa: number;
  scale: number;
  offset: number;
}

/**
 * For a model whose manifest carries no fitted rule (fusion.examples): no mapping of scales, and
 * the description weighs as much as four examples. scripts/fit-examples-rule.ts fits a model's own.
 */
export const unfittedExampleRule: ExampleRule = { kappa: 4, scale: 1, offset: 0 };

export function exampleWeight(count: number, rule: ExampleRule): number {
  return count <= 0 ? 0 : count / (count + rule.kappa);
}

export function blendScore(descriptionCosine: number, prototypeCosine: number, count: number, rule: ExampleRule): number {
  const lambda = exampleWeight(count, rule);
  if (lambda === 0) return descriptionCosine;
  return (1 - lambda) * descriptionCosine + lambda * (rule.scale * prototypeCosine + rule.offset);
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
