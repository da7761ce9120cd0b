import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createExtractor, isZsreError } from '../src/index.js';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { crossReadsMarkers } from '../src/model/manifest.js';
import { syntheticModelDir, tempDir } from './helpers/modelDir.js';

/**
 * A cross-encoder that pools at the entity markers (issue 11) declares head_index / tail_index;
 * the runtime feeds them (parity.test.ts checks the scores against Python on the committed
 * tiny-model-markers fixture) and refuses inputs it could not feed.
 */
const markersFixture = path.resolve(import.meta.dirname, 'fixtures', 'tiny-model-markers');
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

type Input = { name: string; dtype: string; shape: unknown[] };
const crossInputs = (manifest: Record<string, unknown>): Input[] =>
  ((manifest.graphs as Record<string, { inputs: Input[] }>).crossEncoder as { inputs: Input[] }).inputs;

describe('marker-pooling cross-encoder', () => {
  it('loads, is recognised, and answers nested and apart pairs', async () => {
    const model = await loadModelDirectory(markersFixture, 'int8', { crossEncoder: true });
    expect(crossReadsMarkers(model.manifest)).toBe(true);
    const cacheDir = await tempDir('zsre-markers-');
    dirs.push(cacheDir);
    const relations = [
      { id: 'P206', name: 'located in or next to body of water' },
      { id: 'P17', name: 'country', description: 'the sovereign state this item is in' },
      { id: 'P26', name: 'spouse' },
    ];
    const extractor = await createExtractor({ model: markersFixture, relations, cacheDir });
    try {
      const [apart, nested] = await extractor.extractBatch([
        { text: 'Marie Curie married Pierre Curie in Paris .', head: 'Marie Curie', tail: 'Pierre Curie' },
        { text: 'Ships cross the Gulf of Thailand .', head: 'Gulf of Thailand', tail: 'Thailand' },
      ]);
      for (const result of [apart, nested]) {
        expect(result?.candidates.every((candidate) => typeof candidate.crossScore === 'number' && Number.isFinite(candidate.crossScore))).toBe(true);
      }
      expect(nested?.tail).toEqual({ start: 24, end: 32, text: 'Thailand' });
    } finally {
      await extractor.dispose();
    }
  });

  it('refuses a cross graph declaring head_index without tail_index, or an input it cannot feed', async () => {
    const index: Input = { name: 'head_index', dtype: 'int64', shape: ['batch'] };
    for (const edit of [
      (manifest: Record<string, unknown>) => crossInputs(manifest).push(index),
      (manifest: Record<string, unknown>) => crossInputs(manifest).push({ ...index, name: 'entity_types' }),
    ]) {
      const dir = await syntheticModelDir(edit);
      dirs.push(dir);
      const error = await loadModelDirectory(dir, 'fp32', { crossEncoder: true }).catch((caught: unknown) => caught);
      expect(isZsreError(error) && error.code).toBe('MODEL_INVALID');
      expect((error as Error).message).toMatch(/graphs\.crossEncoder\.inputs (declares head_index without tail_index|has inputs this runtime cannot feed: entity_types)/);
    }
  });
});
