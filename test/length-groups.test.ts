import { describe, expect, it } from 'vitest';
import { lengthGroups, runInLengthOrder } from '../src/encoders/batching.js';

const sizesOf = (lengths: number[], max: number, overhead?: number): number[] =>
  lengthGroups(lengths, (length) => length, max, overhead).map((group) => group.length);

describe('lengthGroups', () => {
  it('rows of one length: as few groups as the maximum allows, sizes within one of each other', () => {
    const same = (n: number): number[] => new Array<number>(n).fill(40);
    expect(sizesOf(same(35), 32)).toEqual([17, 18]);
    expect(sizesOf(same(64), 32)).toEqual([32, 32]);
    expect(sizesOf(same(65), 32)).toEqual([21, 22, 22]);
    expect(sizesOf(same(3), 32)).toEqual([3]);
    expect(sizesOf([], 32)).toEqual([]);
    expect(sizesOf(same(5), 1)).toEqual([1, 1, 1, 1, 1]);
  });

  it('cuts where the padding saved is worth more than a call', () => {
    // 10 rows of 20 tokens and 10 of 100: one batch pads to 2,000 tokens, two cost 200 + 1,000 + 32
    expect(sizesOf([...new Array<number>(10).fill(20), ...new Array<number>(10).fill(100)], 32, 32)).toEqual([10, 10]);
    // 2 short rows beside 20 long ones: cutting saves 2 x 80 = 160 tokens, more than one call (32)
    expect(sizesOf([20, 20, ...new Array<number>(20).fill(100)], 32, 32)).toEqual([2, 20]);
    // ... but not when a call costs more than the padding it saves
    expect(sizesOf([20, 20, ...new Array<number>(20).fill(100)], 32, 200)).toEqual([22]);
    // nearly equal lengths stay together
    expect(sizesOf([40, 41, 42, 43, 44, 45], 32, 32)).toEqual([6]);
  });

  it('keeps the rows in order and each group at most the maximum', () => {
    const lengths = Array.from({ length: 100 }, (_, i) => 10 + Math.floor(i * 0.9));
    const groups = lengthGroups(lengths, (length) => length, 16, 32);
    expect(groups.flat()).toEqual(lengths);
    expect(Math.max(...groups.map((group) => group.length))).toBeLessThanOrEqual(16);
  });

  it('runInLengthOrder runs rows in length order and returns results in input order', async () => {
    const rows = [5, 1, 4, 2, 3];
    const batches: number[][] = [];
    const results = await runInLengthOrder(rows, (row) => row, 4, async (batch) => {
      batches.push(batch);
      return batch.map((row) => row * 10);
    });
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(4);
    expect(results).toEqual([50, 10, 40, 20, 30]);
  });
});
