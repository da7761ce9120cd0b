import { describe, expect, it } from 'vitest';
import {
  biasedLossAndGradient,
  biasedProbabilities,
  fitNoneVector,
  fitRelationBiases,
  lossAndGradient,
  noneShifts,
  takeBiasedRows,
  type BiasedFitRows,
  type FitRows,
} from '../src/calibration/noneVectorFit.js';
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

/**
 * Two candidates per pair from three relations; the first always stands out and is the answer,
 * unless it is relation 2, which is always "none" here (training/tests/test_none_vector.py's case).
 * Vectors are noise, so only a relation bias can tell those pairs apart.
 */
function biasedRows(n: number, seed: number): BiasedFitRows {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const dim = 4;
  const vectors = Float32Array.from({ length: n * dim }, () => (random() - 0.5) * 0.2);
  const relations = new Int32Array(n * 2);
  const logits = new Float64Array(n * 2);
  const target = new Int32Array(n);
  for (let row = 0; row < n; row += 1) {
    const first = Math.floor(random() * 3);
    relations[row * 2] = first;
    relations[row * 2 + 1] = (first + 1 + Math.floor(random() * 2)) % 3;
    logits[row * 2] = 2;
    target[row] = first === 2 ? -1 : 0;
  }
  return { vectors, dim, k: 2, noneLogits: new Float64Array(n).fill(1), logits, relations, relationCount: 3, target };
}

describe('none vector fit with relation biases', () => {
  it('has the gradient its loss has (finite differences)', () => {
    const data = biasedRows(40, 5);
    const theta = Float64Array.from([0.3, -0.2, 0.1, 0.5, -0.4, 0.7, -1.1, 0.2]);
    const { gradient } = biasedLossAndGradient(data, 0.01, 0.05, theta);
    for (let i = 0; i < theta.length; i += 1) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[i] = (up[i] as number) + 1e-6;
      down[i] = (down[i] as number) - 1e-6;
      const numeric = (biasedLossAndGradient(data, 0.01, 0.05, up).loss - biasedLossAndGradient(data, 0.01, 0.05, down).loss) / 2e-6;
      expect(gradient[i]).toBeCloseTo(numeric, 6);
    }
  });

  it('pushes a relation that is never right below "none", which the vector alone cannot', () => {
    const data = biasedRows(600, 7);
    const fitted = fitRelationBiases(data, 1e-4, 1e-4);
    const { gradient } = biasedLossAndGradient(data, 1e-4, 1e-4, Float64Array.from([...fitted.weights, fitted.bias, ...fitted.relationBiases]));
    expect(Math.max(...Array.from(gradient, Math.abs))).toBeLessThan(1e-6);
    const [b0, b1, b2] = fitted.relationBiases as [number, number, number];
    expect(b2).toBeLessThan(Math.min(b0, b1) - 1);
    const test = biasedRows(300, 99);
    const probabilities = biasedProbabilities(test, fitted);
    probabilities.forEach((p, row) => {
      // The first candidate wins where it is right, and "none" outweighs it where it is relation 2.
      if (test.relations[row * 2] === 2) expect(p[1]).toBeLessThan(0.5);
      else expect(p[1]).toBeGreaterThan(0.5);
    });
    // Rows taken keep their candidates and labels.
    const taken = takeBiasedRows(test, [3, 1]);
    expect(Array.from(taken.relations)).toEqual([test.relations[6], test.relations[7], test.relations[2], test.relations[3]]);
    expect(Array.from(taken.target)).toEqual([test.target[3], test.target[1]]);
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
