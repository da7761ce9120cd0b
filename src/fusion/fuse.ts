/**
 * Score fusion and abstention, exactly as docs/model-directory.md ("Scores and fusion") states:
 *   z_j = biWeight * biScore_j + crossWeight * crossScore_j   (bi-only: biOnly.biWeight * biScore_j)
 *   p = softmax([noneLogit, z_1, ..., z_k]);  relation = argmax_j p_j if p_j >= threshold else none.
 * With a learned none vector (training/fit_none_vector.py) noneLogit is per sentence:
 *   noneLogit + bias + weights . v,   v the sentence's bi-encoder vector,
 * which moves only the "no relation" share, never the order of the relations. A named calibration
 * may also carry relation biases (manifest fusion.calibrations[NAME].relationBiases, by relation
 * id): z_j + relationBias[relation of j], 0 for a relation without one. These do reorder relations
 * (some are answered right far more often than others at the same score), so they come only with
 * a calibration fitted on that relation set.
 * A candidate without a cross score in a sentence whose other candidates have one (left unscored
 * under the adaptive gate's candidate floor, src/pipeline/crossGate.ts) takes the smallest cross
 * term (crossWeight * crossScore) among them, and at most crossWeight * unscoredCrossScore where
 * the gate has one (the typical cross score of a candidate under the floor: with only the best
 * candidate scored, its own term would overrate the others), as training/zsre_train/cross_gate.py
 * fits it.
 * `answerable` (entity-type constraints, src/relations/types.ts) limits which candidates may be
 * the answer, not the probabilities: an excluded candidate keeps its share, so a pair whose
 * strongest candidate is impossible for its entity types gets "no relation" rather than a weaker
 * runner-up promoted by the exclusion.
 * Pure: numbers in, numbers out.
 */

export interface FusionParams {
  biWeight: number;
  /** ignored in bi-only mode. */
  crossWeight: number;
  noneLogit: number;
  threshold: number;
  noneVector?: { weights: readonly number[]; bias: number } | undefined;
  /** the cross score an unscored candidate is taken to have at most (manifest fusion.crossGate.unscoredCrossScore). */
  unscoredCrossScore?: number | undefined;
  /** per relation, by its index in the extractor's relations: added to its logit (0 where absent). */
  relationBiases?: readonly number[] | undefined;
}

export interface ScoredCandidate {
  biScore: number;
  /** null in bi-encoder-only mode. */
  crossScore: number | null;
  /** the candidate's relation, as an index into the extractor's relations: needed with relationBiases. */
  relation?: number | undefined;
}

export interface FusionResult {
  /** per candidate, in input order. */
  probabilities: number[];
  /** the "no relation" share. */
  noneProbability: number;
  /** index of the best (answerable) candidate, or null when it is below the threshold (or there are none). */
  best: number | null;
}

export function fuse(
  candidates: readonly ScoredCandidate[],
  params: FusionParams,
  sentence?: Float32Array,
  answerable?: (position: number) => boolean,
): FusionResult {
  const crossTerms = candidates.flatMap(({ crossScore }) => (crossScore === null ? [] : [params.crossWeight * crossScore]));
  const cap = params.unscoredCrossScore === undefined ? Number.POSITIVE_INFINITY : params.crossWeight * params.unscoredCrossScore;
  const unscoredTerm = crossTerms.length === 0 ? 0 : Math.min(...crossTerms, cap);
  const logits = candidates.map(({ biScore, crossScore, relation }) =>
    (crossScore === null ? params.biWeight * biScore + unscoredTerm : params.biWeight * biScore + params.crossWeight * crossScore) +
    relationBias(params, relation),
  );
  const [none, ...probabilities] = softmax([noneLogit(params, sentence), ...logits]);
  let best: number | null = null;
  probabilities.forEach((probability, index) => {
    if (answerable !== undefined && !answerable(index)) return;
    if (best === null || probability > (probabilities[best] ?? 0)) best = index;
  });
  const bestProbability = best === null ? 0 : (probabilities[best] ?? 0);
  return {
    probabilities,
    noneProbability: none ?? 1,
    best: best !== null && bestProbability >= params.threshold ? best : null,
  };
}

/** A candidate's relation bias: 0 without biases, or for a relation the calibration has none for. */
function relationBias(params: FusionParams, relation: number | undefined): number {
  const biases = params.relationBiases;
  if (biases === undefined) return 0;
  if (relation === undefined) throw new Error('relation biases need each candidate\'s relation index');
  return biases[relation] ?? 0;
}

/** The sentence's "no relation" logit: the constant, moved by the none vector where the model has one. */
export function noneLogit(params: FusionParams, sentence: Float32Array | undefined): number {
  const vector = params.noneVector;
  if (vector === undefined) return params.noneLogit;
  if (sentence === undefined || sentence.length !== vector.weights.length) {
    throw new Error(`the none vector needs the ${vector.weights.length}-number sentence vector, received ${sentence?.length ?? 'none'}`);
  }
  // Summed in double precision from the float32 vector, as training/zsre_train/fusion.py does.
  let shift = vector.bias;
  for (let i = 0; i < sentence.length; i += 1) shift += (vector.weights[i] as number) * (sentence[i] as number);
  return params.noneLogit + shift;
}

/** Softmax with the maximum subtracted first, so large logits (weights of 30-40) cannot overflow. */
export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}
