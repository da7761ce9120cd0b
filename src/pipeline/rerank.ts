import type { CrossEncoder } from '../encoders/crossEncoder.js';
import type { ExampleState } from '../examples/exampleState.js';
import type { FusionParams } from '../fusion/fuse.js';
import type { Hit } from '../labels/topK.js';
import type { ExtractItem } from '../schemas.js';
import { buildPairSequence } from '../tokenizer/sequences.js';
import { biEncoderIsSure } from './crossGate.js';
import type { PairInputs } from './pairInputs.js';
import type { PreparedItem } from './prepare.js';
import { lap, type StageTimings } from './timings.js';

/**
 * When the cross-encoder runs: always (gate null) or where the bi-encoder is not sure (crossGate.ts),
 * and never for a sentence whose candidates include a relation taught by examples: the
 * cross-encoder reads only descriptions and its fusion weights were fitted on description scores,
 * while an example-blended score is its own, better-informed evidence (measured in
 * benchmarks/results/fewshot/).
 */
export interface RerankGate {
  crossGate: number | null;
  biOnlyFusion: FusionParams;
  examples: ExampleState;
}

/**
 * Step 2 of 3: the cross-encoder scores every (sentence, candidate description) pair of the batch
 * that the gate sends it, in one batched pass. Returns per item the scores in the order of its
 * hits, or null where the cross-encoder did not run (the bi-encoder was sure).
 */
export async function rerank(
  batch: { items: readonly ExtractItem[]; prepared: readonly PreparedItem[]; hits: readonly (readonly Hit[])[]; vectors: readonly Float32Array[] },
  crossEncoder: CrossEncoder,
  inputs: PairInputs,
  gate: RerankGate,
  timings?: StageTimings,
): Promise<(number[] | null)[]> {
  const started = performance.now();
  const { items, prepared, hits, vectors } = batch;
  const needed = hits.map(
    (row, index) =>
      !row.some((hit) => gate.examples.taught.has(hit.index)) &&
      (gate.crossGate === null || !biEncoderIsSure(row, gate.biOnlyFusion, gate.crossGate, vectors[index])),
  );
  const pairs = prepared.flatMap((item, row) => {
    if (!needed[row]) return [];
    const sentence = inputs.sentence(items[row] as ExtractItem, item);
    return (hits[row] ?? []).map((hit) => buildPairSequence(sentence, inputs.description(hit.index)));
  });
  const built = lap(timings, 'pairs', started);
  const flat = pairs.length > 0 ? await crossEncoder.score(pairs) : [];
  lap(timings, 'crossEncoder', built);
  let offset = 0;
  return hits.map((row, index) => {
    if (!needed[index]) return null;
    const scores = flat.slice(offset, offset + row.length);
    offset += row.length;
    return scores;
  });
}
