import type { Manifest } from '../model/manifest.js';

/**
 * Runs `work` over batches of rows grouped by length (less padding, so fewer wasted FLOPs: the
 * graphs cost grows with the longest row of a batch) and returns results in the input order.
 * Batches are of equal size (within one row) and at most `batchSize`: 35 rows go as 18 + 17, not
 * 32 + 3, since a graph's cost per row grows steeply in very small batches (the adaptive stage's
 * cross-encoder pairs rarely fill a batch). The graphs give a row the same result in any batch.
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
  for (const indices of balancedChunks(order, batchSize)) {
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

/** `items` in consecutive chunks of at most `maxSize`, as few as that allows, sizes differing by at most one. */
export function balancedChunks<T>(items: readonly T[], maxSize: number): T[][] {
  if (items.length === 0) return [];
  const count = Math.ceil(items.length / Math.max(1, maxSize));
  const chunks: T[][] = [];
  let start = 0;
  for (let i = 0; i < count; i += 1) {
    const size = Math.floor(items.length / count) + (i < items.length % count ? 1 : 0);
    chunks.push(items.slice(start, start + size));
    start += size;
  }
  return chunks;
}
