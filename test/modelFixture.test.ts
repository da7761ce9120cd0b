import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphSession } from '../src/encoders/session.js';
import { createExtractor, isZsreError, type ZsreError } from '../src/index.js';
import { defaultModelDirectory, packageRoot } from '../src/model/defaultModel.js';
import type { Manifest } from '../src/model/manifest.js';
import { copyFixture, editManifest, fixtureDir, tempDir } from './helpers/modelDir.js';

/** Model-directory failures on copies of the real fixture (the fixture itself is never touched). */

const relations = [
  { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
  { id: 'P19', name: 'place of birth' },
];
const made: string[] = [];
async function copy(): Promise<string> {
  const directory = await copyFixture();
  made.push(directory);
  return directory;
}
async function cache(): Promise<string> {
  const directory = await tempDir('zsre-cache-');
  made.push(directory);
  return directory;
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function failure(promise: Promise<unknown>): Promise<ZsreError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!isZsreError(error)) throw new Error(`expected a ZsreError, got ${String(error)}`);
  return error;
}

// Re-sealed after the edit, so the loader meets the edited content and not a digest mismatch.
async function editSealed(directory: string, edit: (manifest: Manifest) => void): Promise<void> {
  await editManifest(directory, (raw) => edit(raw as unknown as Manifest));
}

describe('model directory errors on the real fixture', () => {
  it('MODEL_CHECKSUM for a corrupted graph file', async () => {
    const directory = await copy();
    const file = path.join(directory, 'cross_encoder.int8.onnx');
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01;
    await writeFile(file, bytes);
    const error = await failure(createExtractor({ model: directory, relations, cacheDir: await cache() }));
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/re-export the model or re-download/);
  });

  it('MODEL_INVALID for a missing manifest', async () => {
    const directory = await copy();
    await rm(path.join(directory, 'manifest.json'));
    const error = await failure(createExtractor({ model: directory, relations, cacheDir: await cache() }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain(path.join(directory, 'manifest.json'));
  });

  it('MODEL_NOT_FOUND for a directory that does not exist', async () => {
    const error = await failure(createExtractor({ model: path.join(fixtureDir, 'nope'), relations }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
  });

  it('MODEL_IO_MISMATCH lists each expected tensor against the graph', async () => {
    const directory = await copy();
    await editSealed(directory, (manifest) => {
      const tokenTypes = manifest.graphs.crossEncoder.inputs.find((input) => input.name === 'token_type_ids');
      if (tokenTypes) tokenTypes.dtype = 'float32';
    });
    const cross = await failure(createExtractor({ model: directory, relations, cacheDir: await cache() }));
    expect(cross.code).toBe('MODEL_IO_MISMATCH');
    expect(cross.message).toMatch(/cross-encoder graph .*cross_encoder.int8.onnx does not match manifest.json/);
    expect(cross.message).toMatch(/inputs "token_type_ids" has dtype int64, expected float32/);
    expect(cross.message).toMatch(/Graph inputs: input_ids int64 \[batch, sequence\]/);
    expect(cross.message).toMatch(/Re-export the model/);

    await editSealed(directory, (manifest) => {
      const vector = manifest.graphs.biEncoder.outputs.find((output) => output.name === 'description_vector');
      if (vector) vector.shape = ['batch', manifest.vectorSize + 1];
    });
    const bi = await failure(createExtractor({ model: directory, relations, cacheDir: await cache(), useCrossEncoder: false }));
    expect(bi.code).toBe('MODEL_IO_MISMATCH');
    expect(bi.message).toMatch(/outputs "description_vector" has shape \[batch, \d+\], expected \[batch, \d+\]/);
  });

  it('MODEL_RUNTIME when onnxruntime rejects a feed, naming the shapes', async () => {
    const directory = await copy();
    const manifest = JSON.parse(await readFile(path.join(directory, 'manifest.json'), 'utf8')) as Manifest;
    const session = await createGraphSession(path.join(directory, 'cross_encoder.fp32.onnx'), manifest.graphs.crossEncoder, { threads: 1, label: 'cross-encoder' });
    try {
      const ids = { data: BigInt64Array.from([101n, 102n]), dims: [1, 2] };
      const error = await failure(session.run({ input_ids: ids, attention_mask: ids, token_type_ids: { data: new BigInt64Array(3), dims: [1, 3] } }, ['score']));
      expect(error.code).toBe('MODEL_RUNTIME');
      expect(error.message).toMatch(/token_type_ids: int64 \[1, 3\]/);
    } finally {
      await session.release();
    }
  });
});

describe('default model', () => {
  it('uses the shipped models/<name>/, never a test fixture', async () => {
    const directory = defaultModelDirectory();
    expect(directory).toBe(path.join(packageRoot(), 'models', 'zsre-minilm-l6-general'));
    expect(existsSync(path.join(directory, 'manifest.json'))).toBe(true);
    expect(directory).not.toContain(`${path.sep}test${path.sep}`);
    const extractor = await createExtractor({ relations, cacheDir: await cache(), useCrossEncoder: false });
    try {
      expect(extractor.model.directory).toBe(directory);
    } finally {
      await extractor.dispose();
    }
  });
});
