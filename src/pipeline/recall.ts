import type { BiEncoder } from '../encoders/biEncoder.js';
import { adaptedScore } from '../examples/adapt.js';
import type { ExampleState } from '../examples/exampleState.js';
import type { LabelIndex } from '../labels/exactIndex.js';
import type { Hit } from '../labels/topK.js';
import type { PreparedItem } from './prepare.js';
import { lap, type StageTimings } from './timings.js';

/**
 * Step 1 of 3 (recall -> rerank -> rank): the bi-encoder embeds each sentence, the label index
 * returns its `recallK` nearest relation descriptions, and the best `topK` of those by biScore
 * go on to the cross-encoder. Relations taught by examples (src/examples/) are always scored,
 * whether or not their description is among the nearest, with their adapted vectors, less their
 * shot penalty (adapt.ts).
 */
export async function recall(
  items: readonly PreparedItem[],
  biEncoder: BiEncoder,
  labels: LabelIndex,
  limits: { recallK: number; topK: number },
  examples: ExampleState,
  timings?: StageTimings,
): Promise<{ hits: Hit[][]; vectors: Float32Array[] }> {
  const started = performance.now();
  const vectors = await biEncoder.encodeSentences(items.map((item) => item.sequence));
  const encoded = lap(timings, 'biEncoder', started);
  const hits = vectors.map((vector) => {
    const nearest = labels.search(vector, limits.recallK);
    return examples.adapted.size === 0 ? nearest.slice(0, limits.topK) : withExamples(nearest, vector, examples).slice(0, limits.topK);
  });
  lap(timings, 'search', encoded);
  // The vectors go on to fusion: a model with a none vector reads them (src/fusion/fuse.ts).
  return { hits, vectors };
}

/** The index's hits plus every relation with examples, scored with its adapted vector, best first. */
export function withExamples(nearest: readonly Hit[], sentence: Float32Array, examples: ExampleState): Hit[] {
  const scores = new Map<number, number>(nearest.map((hit) => [hit.index, hit.score]));
  for (const [index, vector] of examples.adapted) scores.set(index, adaptedScore(vector, sentence) - (examples.offsets.get(index) ?? 0));
  const hits = [...scores].map(([index, score]): Hit => ({ index, score }));
  // Ties go to the lower index, as in the label index's own top-K.
  return hits.sort((a, b) => b.score - a.score || a.index - b.index);
}
