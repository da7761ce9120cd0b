import { readFile, writeFile } from 'node:fs/promises';
import { exactLabelIndex, flattenRows, type LabelIndex, type LabelIndexProgress } from './exactIndex.js';
import { buildHnsw, type HnswGraph, hnswParams, hnswSearch, readHnsw } from './hnsw.js';
import { fileSha256, hnswPath, readVectors, writeAtomically, writeVectors } from './store.js';
import type { Hit } from './topK.js';

export type IndexKind = 'auto' | 'exact' | 'hnsw';

/**
 * 'auto' uses HNSW from this many labels up. Measured by T1 on this project's shared 2-core
 * machine (Node 20, busy with other jobs, so absolute times are pessimistic): dim 1152,
 * L2-normalised vectors in 50 tight clusters (a hard case for HNSW), 200 single queries, k=10,
 * M=16, efConstruction=200:
 *   labels   exact (JS dot + heap)   HNSW ef=64           HNSW ef=128          HNSW build
 *    1,000    1.7-3.5 ms/query        0.30 ms, rec 0.94    -                    0.4-0.8 s
 *    2,000    3.3-4.2 ms              0.54 ms, rec 0.83    0.72 ms, rec 0.97    1.4-1.8 s
 *    5,000    8.5-12 ms               0.61 ms, rec 0.77    (ef=200: 3.2 ms, rec 0.92)  7-13 s
 *   11,665   20 ms                    1.0 ms, rec 0.95     2.9 ms, rec 0.97     27-30 s
 * (ARCHITECTURE.md's figures on less clustered vectors: exact 0.41 ms at 1k and 4 ms at 10k; HNSW
 * 0.27 ms, recall 0.996 at ef=64.) Exact search is exact and, below a few thousand labels, costs
 * less than one bi-encoder pass per sentence (~5 ms), while an HNSW build costs seconds; at 5,000
 * labels the scan costs about two bi-encoder passes and grows linearly, so HNSW takes over there,
 * searched with ef=128 because recall on clustered vectors is poor at 64. The HNSW graph is
 * persisted, so its build cost is paid once per label set.
 */
export const autoHnswMinLabels = 5000;

export type { LabelIndex, LabelIndexProgress } from './exactIndex.js';

export interface OpenLabelIndexOptions {
  fingerprint: string;
  cacheDir: string;
  kind: IndexKind;
  count: number;
  dim: number;
  /** computes the description vectors (one per label, in order) when no valid cache exists; `onDone(n)` after each batch. */
  computeVectors: (onDone: (done: number) => void) => Promise<Float32Array[]>;
  onProgress?: ((event: LabelIndexProgress) => void) | undefined;
  /** HNSW search breadth; default 128 (see the measurement above). */
  ef?: number;
}

/**
 * Loads the label index for a fingerprint from the cache, or builds and persists it. A missing,
 * stale or corrupt cache entry is rebuilt without a word: the cache is an optimisation, and a
 * failure to write it (read-only disk) only costs the rebuild next time.
 */
export async function openLabelIndex(options: OpenLabelIndexOptions): Promise<LabelIndex> {
  const { fingerprint, cacheDir, dim } = options;
  let vectors = await readVectors(cacheDir, fingerprint, dim);
  let source: LabelIndex['source'] = 'cache';
  if (vectors === null || vectors.length !== options.count * dim) {
    source = 'built';
    vectors = flattenRows(await options.computeVectors((done) => options.onProgress?.({ stage: 'encode', done, total: options.count })), dim);
    await writeVectors(cacheDir, fingerprint, dim, vectors).catch(() => undefined);
  }
  const rows = vectors;
  const kind = options.kind === 'auto' ? (options.count >= autoHnswMinLabels ? 'hnsw' : 'exact') : options.kind;
  const vector = (index: number): Float32Array => rows.subarray(index * dim, (index + 1) * dim);
  if (kind === 'exact') return exactLabelIndex(rows, dim, source);
  const graph = await openHnsw(cacheDir, fingerprint, rows, dim, options.count, (done) => options.onProgress?.({ stage: 'hnsw', done, total: options.count }));
  const ef = options.ef ?? 128;
  return { kind, size: options.count, dim, source, vector, search: (query, k) => hnswSearch(graph, rows, dim, query, k, ef) };
}

interface HnswMeta {
  fingerprint: string;
  count: number;
  dim: number;
  sha256: string;
}

/** The graph from the cache when its checksum is right (hnswlib reads files unchecked), else built. */
async function openHnsw(
  cacheDir: string,
  fingerprint: string,
  vectors: Float32Array,
  dim: number,
  count: number,
  onRows: (done: number) => void,
): Promise<HnswGraph> {
  const file = hnswPath(cacheDir, fingerprint);
  const metaFile = `${file}.json`;
  const meta = await readFile(metaFile, 'utf8')
    .then((text) => JSON.parse(text) as Partial<HnswMeta>)
    .catch(() => null);
  if (meta !== null && meta.fingerprint === fingerprint && meta.count === count && meta.dim === dim) {
    const actual = await fileSha256(file);
    if (actual !== null && actual === meta.sha256) {
      const graph = await readHnsw(file, dim).catch(() => null);
      if (graph !== null && graph.getCurrentCount() === count) return graph;
    }
  }
  const graph = buildHnsw(vectors, dim, onRows);
  await persistHnsw(graph, file, metaFile, { fingerprint, count, dim }).catch(() => undefined);
  return graph;
}

async function persistHnsw(graph: HnswGraph, file: string, metaFile: string, meta: Omit<HnswMeta, 'sha256'>): Promise<void> {
  await writeAtomically(file, (temporary) => graph.writeIndex(temporary));
  const sha256 = await fileSha256(file);
  if (sha256 === null) return;
  // The meta file is the commit point: written last, it vouches for the graph file's bytes.
  const body: HnswMeta & { params: typeof hnswParams } = { ...meta, sha256, params: hnswParams };
  await writeAtomically(metaFile, (temporary) => writeFile(temporary, JSON.stringify(body)));
}
