import { dotRow, type Hit, topK } from './topK.js';

/** Exact search: one dot product per label, top-K by a heap. */
export function exactSearch(vectors: Float32Array, dim: number, query: Float32Array, k: number): Hit[] {
  const count = vectors.length / dim;
  return topK(count, (row) => dotRow(vectors, dim, row, query), k);
}
