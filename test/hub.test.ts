import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExtractor } from '../src/index.js';
import { downloadHubModel, isHubId } from '../src/model/hub.js';
import { fixtureDir, tempDir } from './helpers/modelDir.js';

/** Hub ids: only the offline parts (no hub is reachable from the test machine). */

const made: string[] = [];
afterEach(async () => {
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
});
