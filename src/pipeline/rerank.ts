import type { CrossEncoder } from '../encoders/crossEncoder.js';
import type { ExampleState } from '../examples/exampleState.js';
import type { FusionParams } from '../fusion/fuse.js';
import type { Hit } from '../labels/topK.js';
import type { ExtractItem } from '../schemas.js';
import { buildPairSequence } from '../tokenizer/sequences.js';
import { biEncoderIsSure, biOnlyFused, candidatesToScore } from './crossGate.js';
import type { PairInputs } from './pairInputs.js';
import type { PreparedItem } from './prepare.js';
import { lap, type StageTimings } from './timings.js';

/**
 * When the cross-encoder runs: always (gate null) or where the bi-encoder is not sure (crossGate.ts),
 * then on the candidates at or above the candidate floor (0 when the gate is null: all of them),
 * and never for a sentence whose candidates include a relation taught by examples: the
 * cross-encoder reads only descriptions and its fusion weights were fitted on description scores,
 * while an example-blended score is its own, better-informed evidence (measured in
 * benchmarks/results/fewshot/).
 */
export interface RerankGate {
  crossGate: number | null;
  /** bi-only probability below which a candidate is left unscored (0: score all). */
  candidateFloor: number;
  biOnlyFusion: FusionParams;
  examples: ExampleState;
}

/**
 * Step 2 of 3: the cross-encoder scores every (sentence, candidate description) pair of the batch
 * that the gate sends it, in one batched pass. Returns per item the scores in the order of its
 * hits (null for a candidate under the floor), or null where the cross-encoder did not run (the
 * bi-encoder was sure).
 */
export async function rerank(
  batch: { items: readonly ExtractItem[]; prepared: readonly PreparedItem[]; hits: readonly (readonly Hit[])[]; vectors: readonly Float32Array[] },
  crossEncoder: CrossEncoder,
  inputs: PairInputs,
  gate: RerankGate,
  timings?: StageTimings,
): Promise<((number | null)[] | null)[]> {
  const started = performance.now();
  const { items, prepared, hits, vectors } = batch;
  // Per item: null where the cross-encoder does not run, else which of its hits it scores.
  const scoredHits = hits.map((row, index) => {
    if (row.some((hit) => gate.examples.taught.has(hit.index))) return null;
    if (gate.crossGate === null) return row.map(() => true);
    const fused = biOnlyFused(row, gate.biOnlyFusion, vectors[index]);
    return biEncoderIsSure(fused, gate.crossGate) ? null : candidatesToScore(fused, gate.candidateFloor);
  });
  const pairs = prepared.flatMap((item, row) => {
    const scored = scoredHits[row];
    if (scored === null || scored === undefined) return [];
    const sentence = inputs.sentence(items[row] as ExtractItem, item);
    return (hits[row] ?? []).filter((_, position) => scored[position]).map((hit) => buildPairSequence(sentence, inputs.description(hit.index)));
  });
  const built = lap(timings, 'pairs', started);
  const flat = pairs.length > 0 ? await crossEncoder.score(pairs) : [];
  lap(timings, 'crossEncoder', built);
  let offset = 0;
  return scoredHits.map((scored) => {
    if (scored === null || scored === undefined) return null;
    return scored.map((isScored) => {
      if (!isScored) return null;
      offset += 1;
      return flat[offset - 1] ?? null;
    });
  });
}
