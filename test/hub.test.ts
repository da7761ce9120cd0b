import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExtractor, isZsreError } from '../src/index.js';
import { downloadHubModel, isHubId } from '../src/model/hub.js';
import { fixtureDir, tempDir } from './helpers/modelDir.js';

/** Hub ids: only the offline parts (no hub is reachable from the test machine). */

const made: string[] = [];
afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all(made.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('isHubId', () => {
  it('takes "org/name" that is not a local path as a hub id', async () => {
    expect(await isHubId('zsre/minilm-fewrel')).toBe(true);
    expect(await isHubId('test/fixtures')).toBe(false); // exists relative to the repo root
    expect(await isHubId(fixtureDir)).toBe(false);
    expect(await isHubId('just-a-name')).toBe(false);
    expect(await isHubId('a/b/c')).toBe(false);
  });
});

describe('a mistyped local model path shaped like a hub id (issue 20)', () => {
  it('is not a hub id when its "org" part is a local folder, and the error lists the model directories there', async () => {
    const work = await tempDir('zsre-typo-');
    made.push(work);
    await cp(fixtureDir, path.join(work, 'models', 'zsre-minilm-l6-general'), { recursive: true });
    const typo = path.join('models', 'zsre-minilm-l6-generl');
    const fetch = vi.fn(() => Promise.reject(new Error('no network in tests')));
    vi.stubGlobal('fetch', fetch);
    const cwd = process.cwd();
    process.chdir(work);
    try {
      expect(await isHubId(typo)).toBe(false);
      expect(await isHubId('zsre/minilm-fewrel')).toBe(true); // no local zsre/ folder: still a hub id
      const error = await createExtractor({ model: typo, cacheDir: path.join(work, 'cache'), relations: [{ id: 'P26', name: 'spouse' }] }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(isZsreError(error) && error.code).toBe('MODEL_NOT_FOUND');
      expect((error as Error).message).toContain(`Model directory ${path.join(work, typo)} does not exist`);
      expect((error as Error).message).toContain('Model directories in');
      expect((error as Error).message).toContain('zsre-minilm-l6-general');
      expect((error as Error).message).not.toContain('hub');
      expect(fetch).not.toHaveBeenCalled();
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('downloadHubModel', () => {
  it('reuses a complete earlier download without the network, and createExtractor loads it', async () => {
    const cacheDir = await tempDir('zsre-hub-');
    made.push(cacheDir);
    const target = path.join(cacheDir, 'hub', 'zsre--tiny-fixture');
    await mkdir(path.dirname(target), { recursive: true });
    await cp(fixtureDir, target, { recursive: true });
    expect(await downloadHubModel('zsre/tiny-fixture', 'int8', cacheDir, true)).toBe(target);
    const extractor = await createExtractor({ model: 'zsre/tiny-fixture', cacheDir, relations: [{ id: 'P26', name: 'spouse' }] });
    try {
      expect(extractor.model.directory).toBe(target);
    } finally {
      await extractor.dispose();
    }
  });

  // No hub is reachable here: `fetch` answers from the fixture folder, as the hub would serve it.
  async function serveFixture(corrupt?: string): Promise<string[]> {
    const requested: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      const name = decodeURIComponent(url.split('/resolve/main/')[1] ?? '');
      requested.push(name);
      const bytes = await readFile(path.join(fixtureDir, name));
      if (name === corrupt) bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01;
      return new Response(bytes);
    });
    return requested;
  }

  it('downloads the listed files, tokenizer included, and the result loads', async () => {
    const cacheDir = await tempDir('zsre-hub-');
    made.push(cacheDir);
    const requested = await serveFixture();
    const target = await downloadHubModel('zsre/tiny-fixture', 'int8', cacheDir, true);
    expect(requested.sort()).toEqual(['bi_encoder.int8.onnx', 'cross_encoder.int8.onnx', 'manifest.json', 'tokenizer.json', 'tokenizer_config.json']);
    const extractor = await createExtractor({ model: target, cacheDir, relations: [{ id: 'P26', name: 'spouse' }] });
    await extractor.dispose();
  });

  it.each(['tokenizer.json', 'tokenizer_config.json', 'cross_encoder.int8.onnx'])('refuses a download whose %s does not match the manifest', async (file) => {
    const cacheDir = await tempDir('zsre-hub-');
    made.push(cacheDir);
    await serveFixture(file);
    const error = await downloadHubModel('zsre/tiny-fixture', 'int8', cacheDir, true).catch((reason: unknown) => reason);
    if (!isZsreError(error)) throw new Error(`expected a ZsreError, got ${String(error)}`);
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.message).toContain(`${file} of hub model "zsre/tiny-fixture" does not match`);
    const target = path.join(cacheDir, 'hub', 'zsre--tiny-fixture');
    expect(existsSync(path.join(target, file))).toBe(false);
    expect(existsSync(path.join(target, 'manifest.json'))).toBe(false);
  });
});
