import { readFileSync } from 'node:fs';
import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExtractor } from '../src/index.js';
import { isZsreError, type ZsreError } from '../src/errors.js';
import { decodeVectors } from '../src/labels/store.js';
import { canonicalJson } from '../src/model/canonicalJson.js';
import { manifestDigest } from '../src/model/integrity.js';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { sealModelDirectory } from '../src/model/seal.js';
import { copyFixture, editManifest, fixtureDir, sha256, tempDir, toFormat1 } from './helpers/modelDir.js';

/**
 * Model-directory integrity (docs/model-directory.md, format 2): every listed file is verified,
 * the manifest is sealed by its digest, format 1 loads with a notice, and the label-index
 * fingerprint follows the tokenizer. All on temp copies; the committed directories stay as they are.
 */

const made: string[] = [];
async function track(directory: Promise<string>): Promise<string> {
  const created = await directory;
  made.push(created);
  return created;
}
afterEach(async () => {
  vi.restoreAllMocks();
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

async function flipByte(file: string, position: 'first' | 'middle' | 'last'): Promise<void> {
  const bytes = await readFile(file);
  const index = position === 'first' ? 0 : position === 'middle' ? bytes.length >> 1 : bytes.length - 1;
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  await writeFile(file, bytes);
}

const shippedDir = path.resolve(import.meta.dirname, '..', 'models', 'zsre-minilm-l6-general');

describe('canonical JSON and the manifest digest', () => {
  // Hand-written vectors, shared with training/tests/test_digest.py, so both sides hash the same bytes.
  const vectors = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', 'canonical-json.json'), 'utf8')) as {
    cases: { what: string; json: string; canonical: string }[];
    digest: { json: string; canonicalWithoutDigest: string; sha256: string };
  };

  it.each(vectors.cases.map((item) => [item.what, item] as const))('%s', (_, item) => {
    expect(canonicalJson(JSON.parse(item.json))).toBe(item.canonical);
  });

  it('hashes the canonical text without the digest field', () => {
    const manifest = JSON.parse(vectors.digest.json) as Record<string, unknown>;
    expect(sha256(vectors.digest.canonicalWithoutDigest)).toBe(vectors.digest.sha256);
    expect(manifestDigest(manifest)).toBe(vectors.digest.sha256);
    // The stated digest plays no part: any value there gives the same digest.
    expect(manifestDigest({ ...manifest, manifestSha256: 'f'.repeat(64) })).toBe(vectors.digest.sha256);
  });

  it('the committed fixture and shipped model are format 2 and their digests hold', () => {
    for (const directory of [fixtureDir, shippedDir]) {
      const manifest = JSON.parse(readFileSync(path.join(directory, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest.formatVersion).toBe(2);
      expect(manifestDigest(manifest)).toBe(manifest.manifestSha256);
    }
    // The model card states the digest, so a mirror can tell this export from a re-sealed one.
    const card = readFileSync(path.join(shippedDir, 'README.md'), 'utf8');
    const shipped = JSON.parse(readFileSync(path.join(shippedDir, 'manifest.json'), 'utf8')) as { manifestSha256: string };
    expect(card).toContain(shipped.manifestSha256);
  });
});

describe('every listed file is verified', () => {
  const listed = [
    ['bi_encoder.int8.onnx', 'int8'],
    ['bi_encoder.fp32.onnx', 'fp32'],
    ['cross_encoder.int8.onnx', 'int8'],
    ['cross_encoder.fp32.onnx', 'fp32'],
    ['tokenizer.json', 'int8'],
    ['tokenizer_config.json', 'fp32'],
  ] as const;

  it.each(listed.flatMap(([file, precision]) => (['first', 'middle', 'last'] as const).map((position) => [file, position, precision] as const)))(
    'refuses %s with its %s byte changed, naming the file',
    async (file, position, precision) => {
      const directory = await track(copyFixture());
      await flipByte(path.join(directory, file), position);
      const error = await failure(loadModelDirectory(directory, precision, { crossEncoder: true }));
      expect(error.code).toBe('MODEL_CHECKSUM');
      expect(error.message).toContain(path.join(directory, file));
      expect(error.message).toMatch(/re-export the model or re-download the whole directory/);
      expect(error.context.file).toBe(path.join(directory, file));
    },
  );

  it('a tokenizer file is checked even when only the bi-encoder is used', async () => {
    const directory = await track(copyFixture());
    await flipByte(path.join(directory, 'tokenizer.json'), 'middle');
    const error = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: false }));
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.context.field).toBe('tokenizer.files.0');
  });

  it('the untouched copy loads, verified, with every file hashed', async () => {
    const directory = await track(copyFixture());
    const loaded = await loadModelDirectory(directory, 'fp32', { crossEncoder: true });
    expect(loaded.verified).toBe(true);
    expect(loaded.tokenizerFiles.map((file) => file.file)).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    expect(loaded.tokenizerFiles[0]?.sha256).toBe(sha256(await readFile(path.join(directory, 'tokenizer.json'))));
  });

  it('refuses a listed file name that leaves the directory', async () => {
    const directory = await track(copyFixture());
    await editManifest(directory, (manifest) => {
      ((manifest.tokenizer as { files: { file: string }[] }).files[0] as { file: string }).file = '../tokenizer.json';
    });
    const error = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.context.field).toBe('tokenizer.files.0.file');
  });

  it('the shipped model: a changed tokenizer byte is refused (graphs linked, not copied)', async () => {
    const directory = await track(tempDir('zsre-shipped-'));
    for (const name of await readdir(shippedDir)) {
      if (name.endsWith('.onnx')) await symlink(path.join(shippedDir, name), path.join(directory, name));
      else await writeFile(path.join(directory, name), await readFile(path.join(shippedDir, name)));
    }
    await expect(loadModelDirectory(directory, 'int8', { crossEncoder: true })).resolves.toMatchObject({ verified: true });
    await flipByte(path.join(directory, 'tokenizer.json'), 'middle');
    const error = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.message).toContain(path.join(directory, 'tokenizer.json'));
  });
});

describe('the manifest is sealed', () => {
  const thresholdDigit = (manifest: Record<string, unknown>): void => {
    const fusion = manifest.fusion as { threshold: number };
    // One digit: 1 -> 0.9 on the fixture, 0.5667... -> 0.5767... on the shipped model.
    fusion.threshold = fusion.threshold === 1 ? 0.9 : Number(String(fusion.threshold).replace(/^0\.5(\d)/, (_, d: string) => `0.5${(Number(d) + 1) % 10}`));
  };

  type Edit = (manifest: Record<string, unknown>) => void;
  const edits: [string, Edit][] = [
    ['one digit of fusion.threshold', thresholdDigit],
    ['fusion.biOnly.noneLogit', (manifest) => {
      (manifest.fusion as { biOnly: { noneLogit: number } }).biOnly.noneLogit += 1e-9;
    }],
    ['a field added to fusion', (manifest) => {
      (manifest.fusion as Record<string, unknown>).temperature = 1;
    }],
    ['the description template', (manifest) => {
      (manifest.description as { template: string }).template = '{name}: {description}';
    }],
    ['a tokenizer file hash', (manifest) => {
      (manifest.tokenizer as { files: { sha256: string }[] }).files[0]!.sha256 = 'e'.repeat(64);
    }],
    ['the provenance', (manifest) => {
      (manifest.provenance as Record<string, unknown>).seed = 7;
    }],
  ];

  it.each(edits)('refuses %s changed after export', async (_, edit) => {
    const directory = await track(copyFixture());
    await editManifest(directory, edit, { seal: false });
    const error = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.message).toMatch(/the manifest was changed after export .* Re-export the model, or restore manifest\.json/);
    expect(error.context.field).toBe('manifestSha256');
  });

  it('the shipped model: one digit of fusion.threshold is refused', async () => {
    const directory = await track(tempDir('zsre-shipped-'));
    for (const name of await readdir(shippedDir)) await symlink(path.join(shippedDir, name), path.join(directory, name));
    await rm(path.join(directory, 'manifest.json'));
    await writeFile(path.join(directory, 'manifest.json'), await readFile(path.join(shippedDir, 'manifest.json')));
    await editManifest(directory, thresholdDigit, { seal: false });
    const edited = JSON.parse(await readFile(path.join(directory, 'manifest.json'), 'utf8')) as { fusion: { threshold: number } };
    expect(String(edited.fusion.threshold)).toMatch(/^0\.57/);
    const error = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: false }));
    expect(error.code).toBe('MODEL_CHECKSUM');
  });

  it('is indifferent to whitespace and key order', async () => {
    const directory = await track(copyFixture());
    const file = path.join(directory, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(manifest).reverse());
    await writeFile(file, JSON.stringify(reversed));
    await expect(loadModelDirectory(directory, 'int8', { crossEncoder: true })).resolves.toMatchObject({ verified: true });
  });

  it('MODEL_INVALID for a format-2 manifest without its digest, and for an unknown format version', async () => {
    const directory = await track(copyFixture());
    await editManifest(directory, (manifest) => delete manifest.manifestSha256, { seal: false });
    const missing = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: true }));
    expect(missing.code).toBe('MODEL_INVALID');
    expect(missing.context.field).toBe('manifestSha256');

    await editManifest(directory, (manifest) => (manifest.formatVersion = 3));
    const newer = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: true }));
    expect(newer.code).toBe('MODEL_INVALID');
    expect(newer.message).toMatch(/"formatVersion" is 3, but this zsre reads format versions 1 and 2: upgrade zsre/);
  });
});

describe('format 1', () => {
  it('loads with one notice per directory that it is unverified', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const first = await track(copyFixture());
    const second = await track(copyFixture());
    for (const directory of [first, second]) await editManifest(directory, toFormat1, { seal: false });

    const loaded = await loadModelDirectory(first, 'int8', { crossEncoder: true });
    expect(loaded.verified).toBe(false);
    expect(loaded.tokenizerFiles.map((file) => file.file)).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    await loadModelDirectory(first, 'fp32', { crossEncoder: false });
    expect(warn).toHaveBeenCalledTimes(1);
    const [message, options] = warn.mock.calls[0] as [string, { type: string; code: string }];
    expect(message).toContain(first);
    expect(message).toMatch(/format version 1: its manifest and tokenizer files are not verified .*re-export it, or seal it/);
    expect(message).not.toContain('\n');
    expect(options).toMatchObject({ type: 'ZsreWarning', code: 'ZSRE_MODEL_UNVERIFIED' });

    await loadModelDirectory(second, 'int8', { crossEncoder: true });
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('still checks the graphs', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const directory = await track(copyFixture());
    await editManifest(directory, toFormat1, { seal: false });
    await flipByte(path.join(directory, 'bi_encoder.int8.onnx'), 'middle');
    const error = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: false }));
    expect(error.code).toBe('MODEL_CHECKSUM');
  });
});

describe('sealing a format-1 directory (scripts/seal-model.ts)', () => {
  async function format1Copy(): Promise<string> {
    const directory = await track(copyFixture());
    await editManifest(directory, toFormat1, { seal: false });
    return directory;
  }

  it('seals a sound directory, changing only manifest.json, and is idempotent', async () => {
    const directory = await format1Copy();
    const before = await readFile(path.join(directory, 'tokenizer.json'));
    const report = await sealModelDirectory(directory);
    expect(report.outcome).toBe('sealed');
    expect(report.files).toContain('tokenizer.json: verified against provenance.files');
    expect(report.files).toContain('bi_encoder.fp32.onnx: verified');
    expect(await readFile(path.join(directory, 'tokenizer.json'))).toEqual(before);
    const warn = vi.spyOn(process, 'emitWarning');
    const loaded = await loadModelDirectory(directory, 'fp32', { crossEncoder: true });
    expect(loaded.verified).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    // The committed fixture was sealed by this same tool: the result is the same manifest content.
    const committed = JSON.parse(await readFile(path.join(fixtureDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(report.manifestSha256).toBe(committed.manifestSha256);
    await expect(sealModelDirectory(directory)).resolves.toMatchObject({ outcome: 'already-sealed', manifestSha256: report.manifestSha256 });
  });

  it.each(['bi_encoder.fp32.onnx', 'cross_encoder.int8.onnx', 'tokenizer.json', 'tokenizer_config.json'])(
    'refuses to seal when %s is corrupt, and writes nothing',
    async (file) => {
      const directory = await format1Copy();
      const manifestBefore = await readFile(path.join(directory, 'manifest.json'), 'utf8');
      await flipByte(path.join(directory, file), 'last');
      const error = await failure(sealModelDirectory(directory));
      expect(error.code).toBe('MODEL_CHECKSUM');
      expect(error.message).toContain(path.join(directory, file));
      expect(error.message).toMatch(/it is not sealed/);
      expect(await readFile(path.join(directory, 'manifest.json'), 'utf8')).toBe(manifestBefore);
    },
  );

  it('refuses to re-seal a format-2 manifest changed after export, unless asked to', async () => {
    const directory = await track(copyFixture());
    await editManifest(directory, (manifest) => ((manifest.fusion as { threshold: number }).threshold = 0.9), { seal: false });
    expect((await failure(sealModelDirectory(directory))).code).toBe('MODEL_CHECKSUM');
    const report = await sealModelDirectory(directory, { reseal: true });
    expect(report.outcome).toBe('resealed');
    expect(report.files).toContain('tokenizer_config.json: verified');
    const loaded = await loadModelDirectory(directory, 'int8', { crossEncoder: true });
    expect(loaded.manifest.fusion.threshold).toBe(0.9);
  });

  it('--reseal still refuses a directory whose files do not match the manifest', async () => {
    const directory = await track(copyFixture());
    await editManifest(directory, (manifest) => ((manifest.fusion as { threshold: number }).threshold = 0.9), { seal: false });
    await flipByte(path.join(directory, 'tokenizer.json'), 'first');
    const error = await failure(sealModelDirectory(directory, { reseal: true }));
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.message).toContain(path.join(directory, 'tokenizer.json'));
  });
});

describe('the label-index fingerprint follows the tokenizer', () => {
  const relations = [
    { id: 'P26', name: 'Spouse', description: 'The subject has the object as their Spouse' },
    { id: 'P19', name: 'Place of Birth' },
  ];

  // The case: the same bi-encoder with a tokenizer that no longer lower-cases. Format 2
  // re-sealed (what an export with that tokenizer gives) and format 1 (no tokenizer hash listed).
  it.each([['format 2', true] as const, ['format 1', false] as const])('a changed tokenizer builds a new index (%s)', async (_, sealed) => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const directory = await track(copyFixture());
    const cacheDir = await track(tempDir('zsre-cache-'));
    if (!sealed) await editManifest(directory, toFormat1, { seal: false });
    const vectorFiles = async (): Promise<string[]> => (await readdir(path.join(cacheDir, 'labels'))).filter((name) => name.endsWith('.vectors')).sort();

    const original = await createExtractor({ model: directory, relations, cacheDir, useCrossEncoder: false });
    await original.dispose();
    const [first] = await vectorFiles();

    const tokenizerFile = path.join(directory, 'tokenizer.json');
    const tokenizer = JSON.parse(await readFile(tokenizerFile, 'utf8')) as { normalizer: { lowercase: boolean } };
    tokenizer.normalizer.lowercase = false;
    await writeFile(tokenizerFile, JSON.stringify(tokenizer));
    if (sealed) {
      const hash = sha256(await readFile(tokenizerFile));
      await editManifest(directory, (manifest) => ((manifest.tokenizer as { files: { sha256: string }[] }).files[0]!.sha256 = hash));
    }
    const changed = await createExtractor({ model: directory, relations, cacheDir, useCrossEncoder: false });
    const dim = changed.model.manifest.vectorSize;
    await changed.dispose();

    const files = await vectorFiles();
    expect(files).toHaveLength(2);
    // The old index really was stale: the same relations give other vectors under the new tokenizer.
    const [a, b] = await Promise.all(files.map(async (name) => decodeVectors(await readFile(path.join(cacheDir, 'labels', name)), name.replace('.vectors', ''), dim)));
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(Array.from(a ?? [])).not.toEqual(Array.from(b ?? []));
    expect(files).toContain(first);
  });
});
