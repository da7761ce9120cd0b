import { padBatch } from '../tokenizer/batch.js';
import type { PairSequence } from '../tokenizer/sequences.js';
import { runInLengthOrder } from './batching.js';
import type { GraphSession, Int64Feed } from './graphSession.js';

/**
 * Batched calls of the cross-encoder: one logit per (sentence, description) pair. A graph that
 * pools at the entity markers (`readsMarkers`) also gets each pair's head_index / tail_index.
 */
export interface CrossEncoder {
  score(pairs: readonly PairSequence[]): Promise<number[]>;
}

export function createCrossEncoder(session: GraphSession, options: { padId: number; batchSize: number; readsMarkers: boolean }): CrossEncoder {
  return {
    score(pairs) {
      return runInLengthOrder(pairs, (pair) => pair.ids.length, options.batchSize, async (batch) => {
        const padded = padBatch(
          batch.map((pair) => pair.ids),
          options.padId,
          batch.map((pair) => pair.typeIds),
        );
        const dims = [padded.batchSize, padded.length];
        const feeds: Record<string, Int64Feed> = {
          input_ids: { data: padded.inputIds, dims },
          attention_mask: { data: padded.attentionMask, dims },
          token_type_ids: { data: padded.tokenTypeIds ?? new BigInt64Array(padded.inputIds.length), dims },
        };
        if (options.readsMarkers) {
          feeds['head_index'] = { data: BigInt64Array.from(batch, (pair) => BigInt(pair.headIndex)), dims: [padded.batchSize] };
          feeds['tail_index'] = { data: BigInt64Array.from(batch, (pair) => BigInt(pair.tailIndex)), dims: [padded.batchSize] };
        }
        const result = await session.run(feeds, ['score']);
        return Array.from((result['score'] as { data: Float32Array }).data.subarray(0, batch.length));
      });
    },
  };
}
