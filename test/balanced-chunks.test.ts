import { describe, expect, it } from 'vitest';
import { balancedChunks, runInLengthOrder } from '../src/encoders/batching.js';

describe('balancedChunks', () => {
  it('splits into as few chunks as the maximum allows, sizes within one of each other', () => {
    const sizes = (n: number, max: number): number[] => balancedChunks(Array.from({ length: n }, (_, i) => i), max).map((c) => c.length);
    expect(sizes(35, 32)).toEqual([18, 17]);
    expect(sizes(64, 32)).toEqual([32, 32]);
    expect(sizes(65, 32)).toEqual([22, 22, 21]);
    expect(sizes(3, 32)).toEqual([3]);
    expect(sizes(0, 32)).toEqual([]);
    expect(sizes(5, 1)).toEqual([1, 1, 1, 1, 1]);
    expect(balancedChunks([1, 2, 3, 4, 5], 2).flat()).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs rows in length order in balanced batches and returns results in input order', async () => {
    const rows = [5, 1, 4, 2, 3];
    const batches: number[][] = [];
    const results = await runInLengthOrder(rows, (row) => row, 4, async (batch) => {
      batches.push(batch);
      return batch.map((row) => row * 10);
    });
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
    expect(results).toEqual([50, 10, 40, 20, 30]);
  });
});
