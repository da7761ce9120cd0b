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
 *
 * With relation biases (training/zsre_train/none_vector.py fit_block, bias_l2) each candidate's
 * logit also moves by its relation's bias, z_j + beta[r_j]; the likelihood no longer splits, so
 * fitRelationBiases minimizes the full softmax loss, with an L2 penalty on the biases too:
 *   loss = mean(logsumexp([s_none, z + beta[r]]) - s_label) + l2 |weights|^2 + biasL2 |beta|^2.
 * Also convex, and minimized with the same L-BFGS.
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

/** What the fit with relation biases reads per pair: the whole fusion softmax. */
export interface BiasedFitRows {
  /** n x d sentence vectors, row-major. */
  vectors: Float32Array;
  dim: number;
  /** candidates per pair. */
  k: number;
  /** per pair: the block's none logit (before the vector). */
  noneLogits: Float64Array;
  /** n x k fused logits before biases, row-major. */
  logits: Float64Array;
  /** n x k: each candidate's relation, an index below `relationCount`. */
  relations: Int32Array;
  relationCount: number;
  /** per pair: the gold candidate's position, or -1 for "none". */
  target: Int32Array;
}

export interface BiasedNoneVector extends NoneVector {
  /** per relation index. */
  relationBiases: number[];
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

/** rows restricted to `keep` (indices). */
export function takeBiasedRows(rows: BiasedFitRows, keep: readonly number[]): BiasedFitRows {
  const { dim, k } = rows;
  const vectors = new Float32Array(keep.length * dim);
  const logits = new Float64Array(keep.length * k);
  const relations = new Int32Array(keep.length * k);
  keep.forEach((row, position) => {
    vectors.set(rows.vectors.subarray(row * dim, (row + 1) * dim), position * dim);
    logits.set(rows.logits.subarray(row * k, (row + 1) * k), position * k);
    relations.set(rows.relations.subarray(row * k, (row + 1) * k), position * k);
  });
  const pick = <T extends Float64Array | Int32Array>(values: T, make: (length: number) => T): T => {
    const out = make(keep.length);
    keep.forEach((row, position) => (out[position] = values[row] as number));
    return out;
  };
  return {
    ...rows,
    vectors,
    logits,
    relations,
    noneLogits: pick(rows.noneLogits, (length) => new Float64Array(length)),
    target: pick(rows.target, (length) => new Int32Array(length)),
  };
}

/** Per pair: the fused probabilities [none, candidates...] under a fit with relation biases. */
export function biasedProbabilities(rows: BiasedFitRows, fitted: BiasedNoneVector): Float64Array[] {
  const shifts = noneShifts(rows.vectors, rows.dim, fitted);
  return Array.from(shifts, (shift, row) => softmaxRow(rows, row, (rows.noneLogits[row] as number) + shift, fitted.relationBiases));
}

function softmaxRow(rows: BiasedFitRows, row: number, noneLogit: number, biases: ArrayLike<number>): Float64Array {
  const { k } = rows;
  const logits = new Float64Array(k + 1);
  logits[0] = noneLogit;
  for (let j = 0; j < k; j += 1) {
    const at = row * k + j;
    logits[j + 1] = (rows.logits[at] as number) + (biases[rows.relations[at] as number] as number);
  }
  const max = logits.reduce((most, value) => Math.max(most, value), Number.NEGATIVE_INFINITY);
  let sum = 0;
  for (let j = 0; j <= k; j += 1) {
    logits[j] = Math.exp((logits[j] as number) - max);
    sum += logits[j] as number;
  }
  return logits.map((value) => value / sum);
}

/** Loss and gradient at theta = [weights (d), bias, relation biases (relationCount)]. */
export function biasedLossAndGradient(rows: BiasedFitRows, l2: number, biasL2: number, theta: Float64Array): { loss: number; gradient: Float64Array } {
  const { dim, k, vectors, target, relationCount } = rows;
  const n = target.length;
  const gradient = new Float64Array(dim + 1 + relationCount);
  const biases = theta.subarray(dim + 1);
  let loss = 0;
  for (let row = 0; row < n; row += 1) {
    const base = row * dim;
    let s = (rows.noneLogits[row] as number) + (theta[dim] as number);
    for (let i = 0; i < dim; i += 1) s += (theta[i] as number) * (vectors[base + i] as number);
    const p = softmaxRow(rows, row, s, biases);
    const label = (target[row] as number) + 1; // 0 is "none"
    loss -= Math.log(Math.max(p[label] as number, Number.MIN_VALUE));
    const noneResidual = (p[0] as number) - (label === 0 ? 1 : 0);
    for (let i = 0; i < dim; i += 1) gradient[i] = (gradient[i] as number) + noneResidual * (vectors[base + i] as number);
    gradient[dim] = (gradient[dim] as number) + noneResidual;
    for (let j = 0; j < k; j += 1) {
      const slot = dim + 1 + (rows.relations[row * k + j] as number);
      gradient[slot] = (gradient[slot] as number) + (p[j + 1] as number) - (label === j + 1 ? 1 : 0);
    }
  }
  const scale = 1 / Math.max(1, n);
  let penalty = 0;
  for (let i = 0; i < gradient.length; i += 1) {
    const strength = i < dim ? l2 : i === dim ? 0 : biasL2;
    gradient[i] = (gradient[i] as number) * scale + 2 * strength * (theta[i] as number);
    penalty += strength * (theta[i] as number) * (theta[i] as number);
  }
  return { loss: loss * scale + penalty, gradient };
}

/** The (weights, bias, relation biases) minimizing biasedLossAndGradient's loss, from zero. */
export function fitRelationBiases(rows: BiasedFitRows, l2: number, biasL2: number, options: { maxIterations?: number; tolerance?: number } = {}): BiasedNoneVector {
  const { dim } = rows;
  const theta = minimize((point) => biasedLossAndGradient(rows, l2, biasL2, point), new Float64Array(dim + 1 + rows.relationCount), options);
  return { weights: Array.from(theta.subarray(0, dim)), bias: theta[dim] as number, relationBiases: Array.from(theta.subarray(dim + 1)) };
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
 * The (weights, bias) minimizing the loss above, from zero or from `start` (a fit at a
 * neighbouring L2 strength).
 */
export function fitNoneVector(rows: FitRows, l2: number, options: { maxIterations?: number; tolerance?: number; start?: NoneVector } = {}): NoneVector {
  const { dim } = rows;
  const start = new Float64Array(dim + 1);
  if (options.start !== undefined) {
    start.set(options.start.weights);
    start[dim] = options.start.bias;
  }
  const theta = minimize((point) => lossAndGradient(rows, l2, point), start, options);
  return { weights: Array.from(theta.subarray(0, dim)), bias: theta[dim] as number };
}

/**
 * L-BFGS (two-loop recursion) with a backtracking line search from `start`; stops when the
 * gradient's largest component is below `tolerance` or after `maxIterations`.
 */
function minimize(
  evaluate: (theta: Float64Array) => { loss: number; gradient: Float64Array },
  start: Float64Array,
  options: { maxIterations?: number; tolerance?: number },
): Float64Array {
  const maxIterations = options.maxIterations ?? 300;
  const tolerance = options.tolerance ?? 1e-7;
  let theta = start;
  let { loss, gradient } = evaluate(theta);
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
      trial = evaluate(next);
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
  return theta;
}
