import { describe, expect, it } from 'vitest';
import { fitNoneVector, lossAndGradient, noneShifts, type FitRows } from '../src/calibration/noneVectorFit.js';
import { atThreshold, bestF1, thresholdForPrecision } from '../src/calibration/operatingPoint.js';

/**
 * The math under fitCalibration (src/calibration/): the none vector's loss, its gradient and the
 * L-BFGS fit, and the threshold rules (the same as training/zsre_train/none_vector.py's).
 */

/** Pairs that hold nothing point along the first axis (seeded, so the test is the same every run). */
function rows(n: number, dim: number, seed: number): FitRows {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const vectors = new Float32Array(n * dim);
  const none = new Uint8Array(n);
  const offsets = new Float64Array(n);
  for (let row = 0; row < n; row += 1) {
    none[row] = random() < 0.6 ? 1 : 0;
    for (let i = 0; i < dim; i += 1) vectors[row * dim + i] = (random() - 0.5) * 0.4 + (i === 0 && none[row] === 1 ? 1 : 0);
    offsets[row] = -1 + (random() - 0.5);
  }
  return { vectors, dim, offsets, none };
}

describe('none vector fit', () => {
  it('has the gradient its loss has (finite differences)', () => {
    const data = rows(50, 4, 3);
    const theta = Float64Array.from([0.3, -0.2, 0.1, 0.5, -0.4]);
    const { gradient } = lossAndGradient(data, 0.01, theta);
    for (let i = 0; i < theta.length; i += 1) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[i] = (up[i] as number) + 1e-6;
      down[i] = (down[i] as number) - 1e-6;
      const numeric = (lossAndGradient(data, 0.01, up).loss - lossAndGradient(data, 0.01, down).loss) / 2e-6;
      expect(gradient[i]).toBeCloseTo(numeric, 6);
    }
  });

  it('reaches the minimum (zero gradient) and learns the direction of pairs that hold nothing', () => {
    const data = rows(400, 6, 11);
    const vector = fitNoneVector(data, 1e-3);
    const { gradient } = lossAndGradient(data, 1e-3, Float64Array.from([...vector.weights, vector.bias]));
    expect(Math.max(...Array.from(gradient, Math.abs))).toBeLessThan(1e-6);
    expect(vector.weights[0]).toBeGreaterThan(3);
    expect(Math.abs(vector.weights[0] as number)).toBeGreaterThan(5 * Math.max(...vector.weights.slice(1).map(Math.abs)));
    // Stronger L2, smaller weights; the shifts are bias + weights . v.
    const strong = fitNoneVector(data, 1e-1);
    expect(Math.abs(strong.weights[0] as number)).toBeLessThan(Math.abs(vector.weights[0] as number));
    const shifts = noneShifts(data.vectors.subarray(0, 6), 6, vector);
    expect(shifts[0]).toBeCloseTo(vector.bias + vector.weights.reduce((sum, w, i) => sum + w * (data.vectors[i] as number), 0), 10);
  });
});

describe('operating points', () => {
  // training/tests/test_none_vector.py's case: best probabilities 0.9, 0.6, 0.3, 0.2; the first two right; 3 related.
  const scored = { best: Float64Array.from([0.9, 0.6, 0.3, 0.2]), bestRight: Uint8Array.from([1, 1, 0, 0]), related: 3 };

  it('picks the smallest threshold that meets the precision asked for, or none', () => {
    expect(thresholdForPrecision(scored, 1)?.threshold).toBe(0.6);
    expect(thresholdForPrecision(scored, 0.6)?.threshold).toBe(0.3);
    expect(thresholdForPrecision({ best: Float64Array.from([0.5]), bestRight: Uint8Array.from([0]), related: 1 }, 0.5)).toBeNull();
  });

  it('measures precision, recall and F1 at a threshold, and finds the best F1', () => {
    expect(atThreshold(scored, 0.3)).toEqual({ threshold: 0.3, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 });
    expect(bestF1(scored)).toMatchObject({ threshold: 0.6, precision: 1, recall: 2 / 3 });
  });
});
