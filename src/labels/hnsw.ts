import hnswlib from 'hnswlib-node';
import { dotRow, type Hit } from './topK.js';

/**
 * Approximate search with hnswlib-node in inner-product space (vectors are L2-normalised, so the
 * inner product is the cosine). HNSW only picks the candidates; their scores are recomputed
 * exactly from the stored vectors, so both index kinds report identical biScores.
 */

export const hnswParams = { m: 16, efConstruction: 200, randomSeed: 100 } as const;

export type HnswGraph = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** `onRows(done)` is called every 256 rows and at the end: building 11,665 labels takes half a minute. */
export function buildHnsw(vectors: Float32Array, dim: number, onRows?: (done: number) => void): HnswGraph {
  const count = vectors.length / dim;
  const graph = new hnswlib.HierarchicalNSW('ip', dim);
  graph.initIndex({ maxElements: Math.max(1, count), m: hnswParams.m, efConstruction: hnswParams.efConstruction, randomSeed: hnswParams.randomSeed });
  for (let row = 0; row < count; row += 1) {
    graph.addPoint(Array.from(vectors.subarray(row * dim, (row + 1) * dim)), row);
    if ((row + 1) % 256 === 0 || row + 1 === count) onRows?.(row + 1);
  }
  return graph;
}

export async function readHnsw(file: string, dim: number): Promise<HnswGraph> {
  const graph = new hnswlib.HierarchicalNSW('ip', dim);
  await graph.readIndex(file);
  return graph;
}

export function hnswSearch(graph: HnswGraph, vectors: Float32Array, dim: number, query: Float32Array, k: number, ef: number): Hit[] {
  const count = graph.getCurrentCount();
  const wanted = Math.min(k, count);
  if (wanted <= 0) return [];
  // ef below k would return fewer than k neighbours.
  graph.setEf(Math.max(ef, wanted));
  const { neighbors } = graph.searchKnn(Array.from(query), wanted);
  return neighbors
    .map((index) => ({ index, score: dotRow(vectors, dim, index, query) }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
}
