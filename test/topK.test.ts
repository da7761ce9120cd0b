import { describe, expect, it } from 'vitest';
import { exactSearch } from '../src/labels/exact.js';
import { topK } from '../src/labels/topK.js';

describe('topK', () => {
  it('returns the k best, best first, matching a full sort', () => {
    let seed = 7;
    const scores = Array.from({ length: 500 }, () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    });
    const expected = scores
      .map((score, index) => ({ index, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 7);
    expect(topK(scores.length, (i) => scores[i] as number, 7)).toEqual(expected);
  });

  it('breaks ties by lower index and handles k larger than the count or zero', () => {
    const scores = [0.5, 0.9, 0.5, 0.9, 0.1];
    expect(topK(5, (i) => scores[i] as number, 3).map((hit) => hit.index)).toEqual([1, 3, 0]);
    expect(topK(5, (i) => scores[i] as number, 10)).toHaveLength(5);
    expect(topK(5, (i) => scores[i] as number, 0)).toEqual([]);
  });
});

describe('exactSearch', () => {
  it('ranks rows of a flat matrix by dot product with the query', () => {
    const vectors = Float32Array.from([1, 0, 0, 1, 0.6, 0.8, -1, 0]);
    const hits = exactSearch(vectors, 2, Float32Array.from([0.8, 0.6]), 3);
    expect(hits.map((hit) => hit.index)).toEqual([2, 0, 1]);
    expect(hits[0]?.score).toBeCloseTo(0.96, 6);
  });
});
