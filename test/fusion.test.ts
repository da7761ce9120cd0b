import { describe, expect, it } from 'vitest';
import { fuse, softmax } from '../src/fusion/fuse.js';

const params = { biWeight: 30, crossWeight: 1, noneLogit: 2, threshold: 0.5 };

describe('softmax', () => {
  it('is numerically stable for large logits', () => {
    const p = softmax([1000, 1001]);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.E), 12);
    expect(p[1]).toBeCloseTo(Math.E / (1 + Math.E), 12);
    expect(softmax([-1e4, 0, 800]).every(Number.isFinite)).toBe(true);
  });
});

describe('fuse', () => {
  it('computes z = biWeight*bi + crossWeight*cross and softmax over [none, z...]', () => {
    // z = [30*0.1 + 1 = 4, 30*0.05 + 0.5 = 2], none = 2.
    const result = fuse(
      [
        { biScore: 0.1, crossScore: 1 },
        { biScore: 0.05, crossScore: 0.5 },
      ],
      params,
    );
    const total = Math.exp(2) + Math.exp(4) + Math.exp(2);
    expect(result.noneProbability).toBeCloseTo(Math.exp(2) / total, 12);
    expect(result.probabilities[0]).toBeCloseTo(Math.exp(4) / total, 12);
    expect(result.probabilities[1]).toBeCloseTo(Math.exp(2) / total, 12);
    expect(result.best).toBe(0); // 0.787 >= 0.5
  });

  it('abstains when the best probability is below the threshold', () => {
    const result = fuse([{ biScore: 0.1, crossScore: -0.5 }], params); // z = 2.5 vs none 2
    expect(result.probabilities[0]).toBeCloseTo(Math.exp(2.5) / (Math.exp(2.5) + Math.exp(2)), 12);
    expect(result.probabilities[0]).toBeGreaterThan(0.5);
    expect(fuse([{ biScore: 0.1, crossScore: -0.5 }], { ...params, threshold: 0.7 }).best).toBeNull();
    expect(fuse([{ biScore: 0, crossScore: 0 }], params).best).toBeNull(); // z = 0 < none
  });

  it('accepts exactly at the threshold', () => {
    // z = none gives p = 0.5 with one candidate.
    expect(fuse([{ biScore: 0, crossScore: 2 }], params).best).toBe(0);
  });

  it('uses only the bi-encoder score in bi-only mode', () => {
    const result = fuse(
      [
        { biScore: 0.2, crossScore: null },
        { biScore: 0.1, crossScore: null },
      ],
      { biWeight: 40, crossWeight: 123, noneLogit: 5, threshold: 0.5 },
    );
    const total = Math.exp(5) + Math.exp(8) + Math.exp(4);
    expect(result.probabilities[0]).toBeCloseTo(Math.exp(8) / total, 12);
    expect(result.probabilities[1]).toBeCloseTo(Math.exp(4) / total, 12);
    expect(result.best).toBe(0);
  });

  it('picks the best fused candidate even when it is not the best bi-encoder one', () => {
    const result = fuse(
      [
        { biScore: 0.3, crossScore: -5 },
        { biScore: 0.2, crossScore: 6 },
      ],
      params,
    );
    expect(result.best).toBe(1);
  });

  it('returns no relation for no candidates', () => {
    expect(fuse([], params)).toEqual({ probabilities: [], noneProbability: 1, best: null });
  });

  it('gives a candidate left unscored the smallest cross term of its scored neighbours', () => {
    const p = { biWeight: 10, crossWeight: 0.5, noneLogit: 0, threshold: 0 };
    const mixed = fuse([{ biScore: 0.5, crossScore: 4 }, { biScore: 0.4, crossScore: -2 }, { biScore: 0.1, crossScore: null }], p);
    // z = [5 + 2, 4 - 1, 1 + min(2, -1)]
    expect(mixed.probabilities).toEqual(softmax([0, 7, 3, 0]).slice(1));
    // a negative crossWeight: the smallest term is that of the highest cross score
    const negative = fuse([{ biScore: 0.5, crossScore: 4 }, { biScore: 0.4, crossScore: -2 }, { biScore: 0.1, crossScore: null }], { ...p, crossWeight: -0.5 });
    expect(negative.probabilities).toEqual(softmax([0, 3, 5, -1]).slice(1));
  });

  it('caps the unscored term at crossWeight x unscoredCrossScore, which matters when only the best was scored', () => {
    const p = { biWeight: 10, crossWeight: 0.5, noneLogit: 0, threshold: 0 };
    const onlyBest = [{ biScore: 0.5, crossScore: 4 }, { biScore: 0.4, crossScore: null }];
    // without the cap the runner-up borrows the best's own term: z = [5 + 2, 4 + 2]
    expect(fuse(onlyBest, p).probabilities).toEqual(softmax([0, 7, 6]).slice(1));
    // with it: z = [5 + 2, 4 + min(2, 0.5 x -3)]
    expect(fuse(onlyBest, { ...p, unscoredCrossScore: -3 }).probabilities).toEqual(softmax([0, 7, 2.5]).slice(1));
    // a cap above every scored term changes nothing
    expect(fuse(onlyBest, { ...p, unscoredCrossScore: 10 }).probabilities).toEqual(softmax([0, 7, 6]).slice(1));
    // and a sentence with no candidate unscored is untouched
    const all = [{ biScore: 0.5, crossScore: 4 }, { biScore: 0.4, crossScore: 1 }];
    expect(fuse(all, { ...p, unscoredCrossScore: -3 })).toEqual(fuse(all, p));
  });
});
