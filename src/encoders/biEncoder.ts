import { padBatch } from '../tokenizer/batch.js';
import type { SentenceSequence } from '../tokenizer/sequences.js';
import { runInLengthOrder } from './batching.js';
import type { GraphSession } from './graphSession.js';

/**
 * Batched calls of the bi-encoder graph. One graph serves both sides: sentences are read from
 * `sentence_vector` (pooled at the markers), descriptions from `description_vector` (with
 * head/tail index 0, as the contract says). Vectors come out L2-normalised.
 */
export interface BiEncoder {
  encodeSentences(sequences: readonly SentenceSequence[], onBatch?: (done: number) => void): Promise<Float32Array[]>;
  encodeDescriptions(sequences: readonly (readonly number[])[], onBatch?: (done: number) => void): Promise<Float32Array[]>;
}

export function createBiEncoder(session: GraphSession, options: { padId: number; batchSize: number }): BiEncoder {
  const run = async (rows: readonly (readonly number[])[], heads: number[], tails: number[], output: string): Promise<Float32Array[]> => {
    const batch = padBatch(rows, options.padId);
    const dims = [batch.batchSize, batch.length];
    const result = await session.run(
      {
        input_ids: { data: batch.inputIds, dims },
        attention_mask: { data: batch.attentionMask, dims },
        head_index: { data: BigInt64Array.from(heads, BigInt), dims: [batch.batchSize] },
        tail_index: { data: BigInt64Array.from(tails, BigInt), dims: [batch.batchSize] },
      },
      [output],
    );
    const { data, dims: outDims } = result[output] as { data: Float32Array; dims: readonly number[] };
    const size = outDims[1] ?? 0;
    return rows.map((_, row) => data.slice(row * size, (row + 1) * size));
  };
  return {
    encodeSentences(sequences, onBatch) {
      return runInLengthOrder(
        sequences,
        (sequence) => sequence.ids.length,
        options.batchSize,
        (batch) =>
          run(
            batch.map((sequence) => sequence.ids),
            batch.map((sequence) => sequence.headIndex),
            batch.map((sequence) => sequence.tailIndex),
            'sentence_vector',
          ),
        onBatch,
      );
    },
    encodeDescriptions(sequences, onBatch) {
      return runInLengthOrder(
        sequences,
        (ids) => ids.length,
        options.batchSize,
        (batch) => run(batch, new Array<number>(batch.length).fill(0), new Array<number>(batch.length).fill(0), 'description_vector'),
        onBatch,
      );
    },
  };
}
