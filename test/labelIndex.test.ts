import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autoHnswMinLabels, openLabelIndex, type OpenLabelIndexOptions } from '../src/labels/labelIndex.js';
import { decodeVectors, encodeVectors, hnswPath, vectorsPath } from '../src/labels/store.js';

const dim = 8;

function normalised(seed: number): Float32Array {
  const vector = new Float32Array(dim);
  let state = seed * 9301 + 49297;
  for (let i = 0; i < dim; i += 1) {
    state = (state * 9301 + 49297) % 233280;
    vector[i] = state / 233280 - 0.5;
  }
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

const labels = Array.from({ length: 40 }, (_, index) => normalised(index + 1));

let cacheDir: string;
let builds: number;

function options(overrides: Partial<OpenLabelIndexOptions> = {}): OpenLabelIndexOptions {
  return {
    fingerprint: 'f'.repeat(64),
    cacheDir,
    kind: 'exact',
    count: labels.length,
    dim,
    computeVectors: async () => {
      builds += 1;
      return labels;
    },
    ...overrides,
  };
}

beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'zsre-index-'));
  builds = 0;
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('vector file format', () => {
  it('round-trips and rejects another fingerprint, dimension, truncation or a flipped bit', () => {
    const flat = new Float32Array(labels.length * dim);
    labels.forEach((row, index) => flat.set(row, index * dim));
    const bytes = encodeVectors('abc', dim, flat);
    expect(decodeVectors(bytes, 'abc', dim)).toEqual(flat);
    expect(decodeVectors(bytes, 'abd', dim)).toBeNull();
    expect(decodeVectors(bytes, 'abc', dim + 1)).toBeNull();
    expect(decodeVectors(bytes.subarray(0, bytes.length - 4), 'abc', dim)).toBeNull();
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] ?? 0) ^ 0x10;
    expect(decodeVectors(flipped, 'abc', dim)).toBeNull();
    expect(decodeVectors(Buffer.from('garbage'), 'abc', dim)).toBeNull();
  });
});

describe('openLabelIndex', () => {
  it('builds once, persists, then loads from the cache with identical results', async () => {
    const first = await openLabelIndex(options());
    expect(first.source).toBe('built');
    const query = normalised(7);
    const second = await openLabelIndex(options());
    expect(second.source).toBe('cache');
    expect(builds).toBe(1);
    expect(second.search(query, 5)).toEqual(first.search(query, 5));
    expect(second.search(query, 1)[0]?.index).toBe(6);
    // Atomic writes leave no temporary files behind.
    expect((await readdir(path.join(cacheDir, 'labels'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('rebuilds when the stored index belongs to another fingerprint (stale)', async () => {
    await openLabelIndex(options({ fingerprint: 'a'.repeat(64) }));
    // Put the stale file where the new fingerprint's index would be.
    await writeFile(vectorsPath(cacheDir, 'b'.repeat(64)), await readFile(vectorsPath(cacheDir, 'a'.repeat(64))));
    const index = await openLabelIndex(options({ fingerprint: 'b'.repeat(64) }));
    expect(index.source).toBe('built');
    expect(builds).toBe(2);
  });

  it('rebuilds, silently, when the file is corrupt', async () => {
    await openLabelIndex(options());
    const file = vectorsPath(cacheDir, 'f'.repeat(64));
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    const index = await openLabelIndex(options());
    expect(index.source).toBe('built');
    expect(builds).toBe(2);
    // ... and the rebuilt file is good again.
    expect((await openLabelIndex(options())).source).toBe('cache');
  });

  it('HNSW returns the same top hits and scores as exact search, and survives a corrupt graph file', async () => {
    const exact = await openLabelIndex(options());
    const hnsw = await openLabelIndex(options({ kind: 'hnsw' }));
    expect(hnsw.kind).toBe('hnsw');
    for (let seed = 100; seed < 120; seed += 1) {
      const query = normalised(seed);
      expect(hnsw.search(query, 5)).toEqual(exact.search(query, 5));
    }
    await writeFile(hnswPath(cacheDir, 'f'.repeat(64)), 'not a graph');
    const rebuilt = await openLabelIndex(options({ kind: 'hnsw' }));
    expect(rebuilt.search(normalised(3), 3)).toEqual(exact.search(normalised(3), 3));
  });

  it('loads a persisted HNSW graph instead of rebuilding it', async () => {
    const first = await openLabelIndex(options({ kind: 'hnsw' }));
    const file = hnswPath(cacheDir, 'f'.repeat(64));
    const written = (await stat(file)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await openLabelIndex(options({ kind: 'hnsw' }));
    expect((await stat(file)).mtimeMs).toBe(written);
    expect(second.source).toBe('cache');
    expect(second.search(normalised(5), 4)).toEqual(first.search(normalised(5), 4));
  });

  it("'auto' picks exact search below the measured size and HNSW from it", async () => {
    expect((await openLabelIndex(options({ kind: 'auto' }))).kind).toBe('exact');
    const many = Array.from({ length: autoHnswMinLabels }, (_, index) => normalised(index + 1));
    const large = await openLabelIndex(options({ kind: 'auto', fingerprint: 'e'.repeat(64), count: many.length, computeVectors: async () => many }));
    expect(large.kind).toBe('hnsw');
    expect(large.search(many[1234] as Float32Array, 1)[0]?.index).toBe(1234);
  });

  it('still works when the cache directory cannot be written', async () => {
    const blocked = path.join(cacheDir, 'file');
    await writeFile(blocked, '');
    const index = await openLabelIndex(options({ cacheDir: blocked }));
    expect(index.source).toBe('built');
    expect(index.search(normalised(1), 1)[0]?.index).toBe(0);
  });
});
