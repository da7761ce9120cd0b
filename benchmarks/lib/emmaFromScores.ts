/**
 * EMMA at k candidates, computed from a full cross-encoder run's scores.
 *
 * A cross-encoder score belongs to one (sentence, description) pair: it does not depend on
 * which other candidates are scored. The full cross-encoder run already holds the biScore and
 * crossScore of every candidate, so EMMA at k (the k best by biScore, fused, best probability
 * wins) is the same decision without scoring the pairs again; at m = 15 that saves 9 of every
 * 24 cross-encoder passes. The fusion is the library's own `fuse` with the model's weights.
 * (Models exported before per-row activation scales quantised int8 activations per batch, so a
 * pair's score could differ in the 4th decimal between batches: the benchmark measures agreement
 * with direct runs on a sample.)
 */
import { fuse, type FusionParams } from '../../src/fusion/fuse.js';
import type { ExtractResult } from '../../src/index.js';

export function emmaFromFullScores(result: ExtractResult, k: number, params: FusionParams): string {
  if (result.candidates.some((c) => c.crossScore === null)) {
    throw new Error('emmaFromFullScores needs a full cross-encoder run: a candidate has no crossScore');
  }
  if (result.candidates.length < k) {
    throw new Error(`emmaFromFullScores needs at least k=${k} scored candidates, received ${result.candidates.length}`);
  }
  // Stable sort: equal biScores keep the order the extractor returned.
  const recalled = [...result.candidates].sort((a, b) => b.biScore - a.biScore).slice(0, k);
  const { probabilities } = fuse(recalled, params);
  let best = 0;
  probabilities.forEach((p, i) => {
    if (p > (probabilities[best] ?? -Infinity)) best = i;
  });
  return recalled[best]!.id;
}
