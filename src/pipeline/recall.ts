import type { BiEncoder } from '../encoders/biEncoder.js';
import type { LabelIndex } from '../labels/labelIndex.js';
import type { Hit } from '../labels/topK.js';
import type { PreparedItem } from './prepare.js';

/**
 * Step 1 of 3 (recall -> rerank -> rank): the bi-encoder embeds each sentence, the label index
 * returns its `recallK` nearest relation descriptions, and the best `topK` of those by biScore
 * go on to the cross-encoder.
 */
export async function recall(
  items: readonly PreparedItem[],
  biEncoder: BiEncoder,
  labels: LabelIndex,
  limits: { recallK: number; topK: number },
): Promise<Hit[][]> {
  const vectors = await biEncoder.encodeSentences(items.map((item) => item.sequence));
  return vectors.map((vector) => labels.search(vector, limits.recallK).slice(0, limits.topK));
}
