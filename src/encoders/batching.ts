import type { Manifest } from '../model/manifest.js';

/**
 * What one more graph call costs, in padded tokens (the per-call work beyond the rows' tokens).
 * Measured on the shipped int8 cross-encoder, 2 threads, AMD EPYC (AVX2): a padded token costs
 * about 0.09 ms at any batch shape from 16 x 32 to 32 x 96 tokens, and a call about 1-2 ms more
 * (1 row of 8 tokens: 1.8 ms; 1 row of 64: 8.4 ms against 5.9 from the per-token cost alone).
 */
export const CALL_OVERHEAD_TOKENS = 32;

/**
 * Runs `work` over batches of rows grouped by length and returns results in the input order.
 * A graph's cost grows with its batch's padded tokens (rows x longest row), so the rows, sorted
 * by length, are cut where that saves more padding than a call costs (lengthGroups): the
 * adaptive stage's cross-encoder pairs, a few dozen of very different lengths, used to go as one
 * batch padded to the longest. At most `batchSize` rows a batch. The graphs give a row the same
 * result in any batch.
 */
export async function runInLengthOrder<Row, Result>(
  rows: readonly Row[],
  lengthOf: (row: Row) => number,
  batchSize: number,
  work: (batch: Row[]) => Promise<Result[]>,
  onBatch?: (done: number) => void,
): Promise<Result[]> {
  const order = rows.map((_, index) => index).sort((a, b) => lengthOf(rows[a] as Row) - lengthOf(rows[b] as Row));
  const results = new Array<Result>(rows.length);
  let done = 0;
  for (const indices of lengthGroups(order, (index) => lengthOf(rows[index] as Row), batchSize)) {
    const batchResults = await work(indices.map((index) => rows[index] as Row));
    indices.forEach((index, position) => {
      results[index] = batchResults[position] as Result;
    });
    done += indices.length;
    onBatch?.(done);
  }
  return results;
}

/**
 * `sorted` (ascending by `lengthOf`) cut into consecutive groups of at most `maxSize` that cost
 * the fewest padded tokens plus `overhead` per group (exact: dynamic programming over the cut
 * points). Among splits of equal cost, the one whose sizes are most even (least sum of squared
 * sizes): 35 rows of one length go as 17 + 18, not 32 + 3, since very small batches cost more
 * per row than the linear model says.
 */
export function lengthGroups<T>(sorted: readonly T[], lengthOf: (item: T) => number, maxSize: number, overhead = CALL_OVERHEAD_TOKENS): T[][] {
  const n = sorted.length;
  const size = Math.max(1, maxSize);
  const lengths = sorted.map(lengthOf);
  // best[j]: [cost, sum of squared sizes] of the best split of the first j rows; cut[j]: where its last group starts.
  const cost = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const squares = new Float64Array(n + 1);
  const cut = new Int32Array(n + 1);
  cost[0] = 0;
  for (let j = 1; j <= n; j += 1) {
    const longest = lengths[j - 1] as number; // sorted: the group's last row is its longest
    for (let i = Math.max(0, j - size); i < j; i += 1) {
      const value = (cost[i] as number) + overhead + (j - i) * longest;
      const square = (squares[i] as number) + (j - i) * (j - i);
      if (value < (cost[j] as number) || (value === cost[j] && square < (squares[j] as number))) {
        cost[j] = value;
        squares[j] = square;
        cut[j] = i;
      }
    }
  }
  const groups: T[][] = [];
  for (let j = n; j > 0; j = cut[j] as number) groups.push(sorted.slice(cut[j] as number, j));
  return groups.reverse();
}

/**
 * Whether a model's int8 graphs give a row the same outputs in any batch: the exporter records
 * the check (provenance.exportChecks.batchInvariance) since it quantizes activations per row,
 * training/requantize_rows.py records its conversion of older exports (rowQuantization), and
 * training/requantize_static.py its conversion to fixed, calibrated activation scales
 * (staticQuantization). Older int8 graphs take one activation scale per batch tensor, padding included.
 */
export function int8IsBatchInvariant(manifest: Manifest): boolean {
  const checks = manifest.provenance['exportChecks'];
  if (typeof checks !== 'object' || checks === null) return false;
  return 'batchInvariance' in checks || 'rowQuantization' in checks || 'staticQuantization' in checks;
}
