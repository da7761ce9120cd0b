import { describe, expect, it } from 'vitest';
import { classificationScores, meanAndStd } from '../benchmarks/lib/metrics.js';

describe('classificationScores (Sorokin & Gurevych definition used by ZS-BERT / RE-Matching / EMMA)', () => {
  it('matches a hand-computed example', () => {
    // predicted A once (right), B three times (two right): P_A = 1, P_B = 2/3, two predicted labels.
    const s = classificationScores(['A', 'A', 'B', 'B'], ['A', 'B', 'B', 'B']);
    expect(s.precision).toBeCloseTo((1 + 2 / 3) / 2, 10);
    expect(s.recall).toBeCloseTo((0.5 + 1) / 2, 10);
    expect(s.f1).toBeCloseTo((2 * s.precision * s.recall) / (s.precision + s.recall), 10);
    expect(s.accuracy).toBe(0.75);
    expect(s.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 10);
  });

  it('divides the precision sum by the number of distinct predicted labels, not gold classes', () => {
    const s = classificationScores(['A', 'A'], ['A', 'C']);
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBe(0.5);
  });

  it('is 1 everywhere for perfect predictions', () => {
    const s = classificationScores(['A', 'B', 'C'], ['A', 'B', 'C']);
    expect([s.precision, s.recall, s.f1, s.accuracy, s.macroF1]).toEqual([1, 1, 1, 1, 1]);
  });

  it('rejects mismatched or empty input', () => {
    expect(() => classificationScores(['A'], [])).toThrow(/differ in length/);
    expect(() => classificationScores([], [])).toThrow(/no sentences/);
  });
});

describe('meanAndStd', () => {
  it('gives the sample standard deviation', () => {
    const r = meanAndStd([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.std).toBeCloseTo(Math.sqrt(5 / 3), 10);
    expect(meanAndStd([7]).std).toBe(0);
  });
});
