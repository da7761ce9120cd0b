/**
 * A model exported before per-row activation scales (its int8 graphs quantize activations per
 * batch tensor, test/fixtures/per-tensor-int8/) still gives a sentence the same result in any
 * batch: the runtime runs such graphs one row per call.
 */
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealManifest } from '../src/model/integrity.js';
import { createExtractor, type ExtractItem, type ExtractResult, type Relation } from '../src/index.js';
import { copyFixture, sha256, tempDir } from './helpers/modelDir.js';

const relations: Relation[] = [
  { id: 'P26', name: 'spouse', description: 'the subject has the object as their husband or wife' },
  { id: 'P19', name: 'place of birth', description: 'the most specific known birth location of a person' },
  { id: 'P17', name: 'country', description: 'the sovereign state this item is in' },
  { id: 'P40', name: 'child' },
];
const filler = 'which the committee discussed again at great length in the spring and in the autumn';
const items: ExtractItem[] = [
  { text: 'Ada married Bob .', head: 'Ada', tail: 'Bob' },
  { text: `Marie Curie , ${filler} , married Pierre Curie in Paris .`, head: 'Marie Curie', tail: 'Pierre Curie' },
  { text: 'Paris is in France .', head: 'Paris', tail: 'France' },
  { text: `Frida Kahlo , ${filler} ${filler} , was born in Coyoacán .`, head: 'Frida Kahlo', tail: 'Coyoacán' },
  { text: 'Bob is the son of Ada .', head: 'Bob', tail: 'Ada' },
];

let model: string;
let cacheDir: string;

beforeAll(async () => {
  model = await copyFixture();
  cacheDir = await tempDir('zsre-per-tensor-');
  const file = path.join(model, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as {
    graphs: Record<'biEncoder' | 'crossEncoder', { files: { int8: { file: string; sha256: string } } }>;
    provenance: { files?: Record<string, string>; exportChecks: Record<string, unknown> };
  };
  for (const graph of ['biEncoder', 'crossEncoder'] as const) {
    const name = manifest.graphs[graph].files.int8.file;
    await copyFile(path.join(import.meta.dirname, 'fixtures', 'per-tensor-int8', name), path.join(model, name));
    const digest = sha256(await readFile(path.join(model, name)));
    manifest.graphs[graph].files.int8.sha256 = digest;
    if (manifest.provenance.files?.[name] !== undefined) manifest.provenance.files[name] = digest;
  }
  delete manifest.provenance.exportChecks['rowQuantization'];
  delete manifest.provenance.exportChecks['batchInvariance'];
  await writeFile(file, JSON.stringify(sealManifest(manifest as unknown as Record<string, unknown>)));
});
afterAll(async () => {
  await rm(model, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
});

async function run(batchSize: number, order: ExtractItem[]): Promise<ExtractResult[]> {
  const extractor = await createExtractor({ model, relations, cacheDir: await tempDir('zsre-per-tensor-cache-'), batchSize });
  try {
    return await extractor.extractBatch(order);
  } finally {
    await extractor.dispose();
  }
}

describe('an int8 model with per-tensor activation scales', () => {
  it('gives each sentence the same result alone and in batches', async () => {
    const alone = await run(1, items);
    const together = await run(8, items);
    const reversed = (await run(3, [...items].reverse())).reverse();
    expect(together).toEqual(alone);
    expect(reversed).toEqual(alone);
  });
});
