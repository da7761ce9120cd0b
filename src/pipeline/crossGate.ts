import { fuse, type FusionParams } from '../fusion/fuse.js';
import type { Hit } from '../labels/topK.js';

/**
 * The adaptive fine-grained stage's test (training/zsre_train/cross_gate.py fits it): fused with
 * the bi-only parameters, is the bi-encoder sure enough, either of its best candidate or of
 * "no relation", that the cross-encoder would rarely change the decision? Pure.
 */
export function biEncoderIsSure(hits: readonly Hit[], biOnly: FusionParams, minConfidence: number, sentence?: Float32Array): boolean {
  const fused = fuse(
    hits.map((hit) => ({ biScore: hit.score, crossScore: null })),
    biOnly,
    sentence,
  );
  const best = fused.probabilities.reduce((max, probability) => Math.max(max, probability), 0);
  return Math.max(best, fused.noneProbability) >= minConfidence;
}
