/**
 * Padding of id rows into the int64 tensors the graphs take (docs/model-directory.md step 6):
 * rows are padded to the longest row of the batch with the [PAD] id and attention mask 0.
 */
export interface PaddedBatch {
  batchSize: number;
  length: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  /** present when type id rows were given. */
  tokenTypeIds?: BigInt64Array;
}

export function padBatch(rows: readonly (readonly number[])[], padId: number, typeRows?: readonly (readonly number[])[]): PaddedBatch {
  const batchSize = rows.length;
  const length = rows.reduce((longest, row) => Math.max(longest, row.length), 0);
  const inputIds = new BigInt64Array(batchSize * length).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(batchSize * length);
  const tokenTypeIds = typeRows === undefined ? undefined : new BigInt64Array(batchSize * length);
  rows.forEach((row, r) => {
    const offset = r * length;
    row.forEach((id, c) => {
      inputIds[offset + c] = BigInt(id);
      attentionMask[offset + c] = 1n;
    });
    if (tokenTypeIds !== undefined) {
      typeRows?.[r]?.forEach((type, c) => {
        tokenTypeIds[offset + c] = BigInt(type);
      });
    }
  });
  return tokenTypeIds === undefined
    ? { batchSize, length, inputIds, attentionMask }
    : { batchSize, length, inputIds, attentionMask, tokenTypeIds };
}
