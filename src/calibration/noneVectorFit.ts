/**
 * The math of fitting a "no relation" vector on labelled pairs (fitCalibration.ts), in the
 * runtime so that a user can fit one on their own relations without Python. The same objective as
 * training/zsre_train/none_vector.py: the fused probabilities are
 *   softmax([noneLogit + bias + weights . v, z_1, ..., z_k])
 * with v the pair's bi-encoder vector and z its candidates' fused logits, and (weights, bias)
 * maximize the likelihood of each pair's label (its gold candidate, or "none" when it holds none of
 * the relations or its gold is not among the candidates), with an L2 penalty on the weights.
 * Only the none logit depends on (weights, bias), so the likelihood splits: a pair's gold
 * candidate has probability (1 - p_none) * softmax(z)_gold, and softmax(z) does not move. What is
 * left is a logistic regression of "none" on v with a per-pair offset noneLogit - logsumexp(z):
 *   loss = mean(softplus(s) - y s) + l2 |weights|^2,   s = offset + bias + weights . v.
 * Convex; minimized with L-BFGS.
 */

export interface FitRows {
  /** n x d sentence vectors, row-major. */
  vectors: Float32Array;
  dim: number;
  /** per pair: noneLogit - logsumexp(z). */
  offsets: Float64Array;
  /** per pair: 1 when the label is "none". */
  none: Uint8Array;
}

export interface NoneVector {
  weights: number[];
  bias: number;
}

const MEMORY = 10;

/** rows restricted to `keep` (indices). */
export function takeRows(rows: FitRows, keep: readonly number[]): FitRows {
  const { dim } = rows;
  const vectors = new Float32Array(keep.length * dim);
  keep.forEach((row, position) => vectors.set(rows.vectors.subarray(row * dim, (row + 1) * dim), position * dim));
  return {
    vectors,
    dim,
    offsets: Float64Array.from(keep, (row) => rows.offsets[row] as number),
    none: Uint8Array.from(keep, (row) => rows.none[row] as number),
  };
}

/** Per pair: bias + weights . v, summed in double precision as the runtime's fuse.ts does. */
export function noneShifts(vectors: Float32Array, dim: number, vector: NoneVector): Float64Array {
  const n = vectors.length / dim;
  const shifts = new Float64Array(n);
  for (let row = 0; row < n; row += 1) {
    let shift = vector.bias;
    const base = row * dim;
    for (let i = 0; i < dim; i += 1) shift += (vector.weights[i] as number) * (vectors[base + i] as number);
    shifts[row] = shift;
  }
  return shifts;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Loss and gradient at theta = [weights (d), bias]. */
export function lossAndGradient(rows: FitRows, l2: number, theta: Float64Array): { loss: number; gradient: Float64Array } {
  const { dim, vectors, offsets, none } = rows;
  const n = offsets.length;
  const gradient = new Float64Array(dim + 1);
  let loss = 0;
  for (let row = 0; row < n; row += 1) {
    const base = row * dim;
    let s = (offsets[row] as number) + (theta[dim] as number);
    for (let i = 0; i < dim; i += 1) s += (theta[i] as number) * (vectors[base + i] as number);
    const y = none[row] as number;
    loss += softplus(s) - y * s;
    const residual = sigmoid(s) - y;
    for (let i = 0; i < dim; i += 1) gradient[i] = (gradient[i] as number) + residual * (vectors[base + i] as number);
    gradient[dim] = (gradient[dim] as number) + residual;
  }
  const scale = 1 / Math.max(1, n);
  let penalty = 0;
  for (let i = 0; i < dim; i += 1) {
    gradient[i] = (gradient[i] as number) * scale + 2 * l2 * (theta[i] as number);
    penalty += (theta[i] as number) * (theta[i] as number);
  }
  gradient[dim] = (gradient[dim] as number) * scale;
  return { loss: loss * scale + l2 * penalty, gradient };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * The (weights, bias) minimizing the loss above: L-BFGS (two-loop recursion) with a backtracking
 * line search, from zero or from `start` (a fit at a neighbouring L2 strength); stops when the
 * gradient's largest component is below `tolerance` or after `maxIterations`.
 */
export function fitNoneVector(rows: FitRows, l2: number, options: { maxIterations?: number; tolerance?: number; start?: NoneVector } = {}): NoneVector {
  const { dim } = rows;
  const maxIterations = options.maxIterations ?? 300;
  const tolerance = options.tolerance ?? 1e-7;
  let theta = new Float64Array(dim + 1);
  if (options.start !== undefined) {
    theta.set(options.start.weights);
    theta[dim] = options.start.bias;
  }
  let { loss, gradient } = lossAndGradient(rows, l2, theta);
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  for (let iteration = 0; iteration < maxIterations; iteration += 1) {
    if (gradient.reduce((most, value) => Math.max(most, Math.abs(value)), 0) < tolerance) break;
    // Two-loop recursion: direction = -H gradient.
    const q = Float64Array.from(gradient);
    const alphas: number[] = [];
    for (let m = steps.length - 1; m >= 0; m -= 1) {
      const rho = 1 / dot(changes[m] as Float64Array, steps[m] as Float64Array);
      const alpha = rho * dot(steps[m] as Float64Array, q);
      alphas[m] = alpha;
      const y = changes[m] as Float64Array;
      for (let i = 0; i < q.length; i += 1) q[i] = (q[i] as number) - alpha * (y[i] as number);
    }
    if (steps.length > 0) {
      const last = steps.length - 1;
      const gamma = dot(steps[last] as Float64Array, changes[last] as Float64Array) / dot(changes[last] as Float64Array, changes[last] as Float64Array);
      for (let i = 0; i < q.length; i += 1) q[i] = (q[i] as number) * gamma;
    }
    for (let m = 0; m < steps.length; m += 1) {
      const rho = 1 / dot(changes[m] as Float64Array, steps[m] as Float64Array);
      const beta = rho * dot(changes[m] as Float64Array, q);
      const s = steps[m] as Float64Array;
      for (let i = 0; i < q.length; i += 1) q[i] = (q[i] as number) + (s[i] as number) * ((alphas[m] as number) - beta);
    }
    let direction = q.map((value) => -value);
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      // Not a descent direction (curvature pairs gone stale): restart from steepest descent.
      steps.length = 0;
      changes.length = 0;
      direction = gradient.map((value) => -value);
      slope = dot(direction, gradient);
    }
    let step = steps.length === 0 ? 1 / Math.max(1, Math.sqrt(dot(gradient, gradient))) : 1;
    let next = theta;
    let trial = { loss, gradient };
    let accepted = false;
    for (let tries = 0; tries < 40; tries += 1) {
      next = theta.map((value, i) => value + step * (direction[i] as number));
      trial = lossAndGradient(rows, l2, next);
      if (trial.loss <= loss + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break; // no decrease left at machine precision: converged
    const s = next.map((value, i) => value - (theta[i] as number));
    const y = trial.gradient.map((value, i) => value - (gradient[i] as number));
    if (dot(s, y) > 1e-12) {
      steps.push(s);
      changes.push(y);
      if (steps.length > MEMORY) {
        steps.shift();
        changes.shift();
      }
    }
    const improvement = loss - trial.loss;
    theta = next;
    ({ loss, gradient } = trial);
    if (improvement < 1e-12 * Math.max(1, Math.abs(loss))) break;
  }
  return { weights: Array.from(theta.subarray(0, dim)), bias: theta[dim] as number };
}
