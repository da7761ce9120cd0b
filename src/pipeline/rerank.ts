import type { CrossEncoder } from '../encoders/crossEncoder.js';
import type { Hit } from '../labels/topK.js';
import { buildPairSequence } from '../tokenizer/sequences.js';
import type { Describe } from './describe.js';
import type { PreparedItem } from './prepare.js';

/**
 * Step 2 of 3: the cross-encoder scores every (sentence, candidate description) pair of the
 * batch in one batched pass; returns the scores per item, in the order of its hits.
 */
export async function rerank(items: readonly PreparedItem[], hits: readonly (readonly Hit[])[], crossEncoder: CrossEncoder, describe: Describe): Promise<number[][]> {
  const pairs = items.flatMap((item, row) => (hits[row] ?? []).map((hit) => buildPairSequence(item.sequence, describe(hit.index))));
  const flat = await crossEncoder.score(pairs);
  let offset = 0;
  return hits.map((row) => {
    const scores = flat.slice(offset, offset + row.length);
    offset += row.length;
    return scores;
  });
}
