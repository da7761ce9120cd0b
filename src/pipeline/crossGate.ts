import { fuse, type FusionParams, type FusionResult } from '../fusion/fuse.js';
import type { Hit } from '../labels/topK.js';

/**
 * The adaptive fine-grained stage's tests (training/zsre_train/cross_gate.py fits both). Pure.
 *
 * `biEncoderIsSure`: fused with the bi-only parameters, is the bi-encoder sure enough, either of
 * its best candidate or of "no relation", that the cross-encoder would rarely change the decision?
 *
 * `candidatesToScore`: where it is not, which candidates the cross-encoder scores: those whose
 * bi-only probability reaches the model's candidate floor, and always the best one. The others
 * are rarely the one the cross-encoder would promote; fuse.ts gives them the weakest cross term of
 * their sentence.
 */
export function biOnlyFused(hits: readonly Hit[], biOnly: FusionParams, sentence?: Float32Array): FusionResult {
  return fuse(
    hits.map((hit) => ({ biScore: hit.score, crossScore: null, relation: hit.index })),
    biOnly,
    sentence,
  );
}

export function biEncoderIsSure(fused: FusionResult, minConfidence: number): boolean {
  const best = fused.probabilities.reduce((max, probability) => Math.max(max, probability), 0);
  return Math.max(best, fused.noneProbability) >= minConfidence;
}

export function candidatesToScore(fused: FusionResult, minCandidateProbability: number): boolean[] {
  const { probabilities } = fused;
  // The first of equal maxima, as numpy's argmax in the fit.
  const best = probabilities.reduce((top, probability, index) => (probability > (probabilities[top] ?? -1) ? index : top), 0);
  return probabilities.map((probability, index) => index === best || probability >= minCandidateProbability);
}
