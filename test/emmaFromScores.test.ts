import { describe, expect, it } from 'vitest';
import { emmaFromFullScores } from '../benchmarks/lib/emmaFromScores.js';
import type { ExtractResult } from '../src/index.js';

const params = { biWeight: 10, crossWeight: 1, noneLogit: 0, threshold: 0.5 };

function result(candidates: { id: string; biScore: number; crossScore: number | null }[]): ExtractResult {
  return {
    relation: null,
    // The extractor returns candidates best-probability first, not in biScore order.
    candidates: candidates.map((c) => ({ ...c, name: c.id, probability: 0 })),
    head: { text: 'h', start: 0, end: 1 },
    tail: { text: 't', start: 2, end: 3 },
  } as unknown as ExtractResult;
}

describe('emmaFromFullScores', () => {
  // bi order: A (0.9), B (0.8), C (0.7), D (0.1). D has by far the best cross score.
  const full = result([
    { id: 'D', biScore: 0.1, crossScore: 20 },
    { id: 'C', biScore: 0.7, crossScore: 5 },
    { id: 'A', biScore: 0.9, crossScore: 0 },
    { id: 'B', biScore: 0.8, crossScore: 3 },
  ]);

  it('fuses only the k best candidates by biScore', () => {
    // k=2: A z=9, B z=11 -> B. k=3: C z=12 -> C. k=4: D z=21 -> D.
    expect(emmaFromFullScores(full, 2, params)).toBe('B');
    expect(emmaFromFullScores(full, 3, params)).toBe('C');
    expect(emmaFromFullScores(full, 4, params)).toBe('D');
  });

  it('follows the weights: a zero cross weight leaves the bi-encoder order', () => {
    expect(emmaFromFullScores(full, 4, { ...params, crossWeight: 0 })).toBe('A');
  });

  it('refuses a bi-encoder-only result or too few candidates', () => {
    expect(() => emmaFromFullScores(result([{ id: 'A', biScore: 1, crossScore: null }, { id: 'B', biScore: 0, crossScore: null }]), 2, params)).toThrow(/full cross-encoder run/);
    expect(() => emmaFromFullScores(full, 5, params)).toThrow(/at least k=5/);
  });
});
