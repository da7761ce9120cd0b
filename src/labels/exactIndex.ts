import { exactSearch } from './exact.js';
import type { Hit } from './topK.js';

export interface LabelIndex {
  readonly kind: 'exact' | 'hnsw';
  readonly size: number;
  readonly dim: number;
  /** whether the vectors came from the cache or were computed now. */
  readonly source: 'cache' | 'built';
  search(query: Float32Array, k: number): Hit[];
  vector(index: number): Float32Array;
}

/**
 * Progress of a label-index build, which only happens when no valid cache exists: encoding the
 * descriptions (`encode`), then, for an HNSW index, inserting them into the graph (`hnsw`).
 */
export interface LabelIndexProgress {
  stage: 'encode' | 'hnsw';
  done: number;
  total: number;
}

/**
 * An exact index over description vectors held in memory (one row of `dim` floats per label):
 * what Node uses below a few thousand labels and what the page always uses (no native HNSW
 * there; benchmarks/web.ts measures the scan at thousands of labels).
 */
export function exactLabelIndex(rows: Float32Array, dim: number, source: LabelIndex['source']): LabelIndex {
  const size = rows.length / dim;
  return {
    kind: 'exact',
    size,
    dim,
    source,
    vector: (index) => rows.subarray(index * dim, (index + 1) * dim),
    search: (query, k) => exactSearch(rows, dim, query, k),
  };
}

/** The vectors of computeVectors as one row-major array (the layout the index and the cache use). */
export function flattenRows(rows: readonly Float32Array[], dim: number): Float32Array {
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((row, index) => flat.set(row.subarray(0, dim), index * dim));
  return flat;
}
