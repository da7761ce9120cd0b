import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sealManifest } from '../../src/model/integrity.js';

/** The real tiny ONNX model produced by training/ (P1); tests copy it before changing anything. */
export const fixtureDir = path.resolve(import.meta.dirname, '..', 'fixtures', 'tiny-model');
export const fixtureReady = existsSync(path.join(fixtureDir, 'READY'));

export async function copyFixture(): Promise<string> {
  const target = await mkdtemp(path.join(os.tmpdir(), 'zsre-model-'));
  await cp(fixtureDir, target, { recursive: true });
  return target;
}

export async function tempDir(prefix = 'zsre-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A schema-valid format-2 manifest (docs/model-directory.md), not yet sealed, over the given file hashes. */
export function syntheticManifest(hashes: { bi: string; cross: string; tokenizer: string }): Record<string, unknown> {
  const seq = ['batch', 'sequence'];
  return {
    format: 'zsre-model',
    formatVersion: 2,
    name: 'synthetic',
    backbone: { name: 'test', hiddenSize: 4 },
    tokenizer: { files: [{ file: 'tokenizer.json', sha256: hashes.tokenizer }], lowercase: true },
    markers: { headStart: '#', headEnd: '#', tailStart: '@', tailEnd: '@' },
    maxLength: { sentence: 32, description: 16 },
    description: { template: '{name} is {description}', nameOnlyTemplate: '{name}' },
    vectorSize: 12,
    graphs: {
      biEncoder: {
        inputs: [
          { name: 'input_ids', dtype: 'int64', shape: seq },
          { name: 'attention_mask', dtype: 'int64', shape: seq },
          { name: 'head_index', dtype: 'int64', shape: ['batch'] },
          { name: 'tail_index', dtype: 'int64', shape: ['batch'] },
        ],
        outputs: [
          { name: 'sentence_vector', dtype: 'float32', shape: ['batch', 12] },
          { name: 'description_vector', dtype: 'float32', shape: ['batch', 12] },
        ],
        files: { fp32: { file: 'bi_encoder.fp32.onnx', sha256: hashes.bi } },
      },
      crossEncoder: {
        inputs: [
          { name: 'input_ids', dtype: 'int64', shape: seq },
          { name: 'attention_mask', dtype: 'int64', shape: seq },
          { name: 'token_type_ids', dtype: 'int64', shape: seq },
        ],
        outputs: [{ name: 'score', dtype: 'float32', shape: ['batch'] }],
        files: { fp32: { file: 'cross_encoder.fp32.onnx', sha256: hashes.cross } },
      },
    },
    fusion: { topK: 3, biWeight: 30, crossWeight: 1, noneLogit: 2, threshold: 0.5, biOnly: { biWeight: 40, noneLogit: 5, threshold: 0.5 } },
    provenance: {},
  };
}

/**
 * A directory with placeholder files and a manifest whose hashes match them, sealed after `edit`
 * (pass `seal: false` to keep the edit outside the digest, as a hand edit after export would be).
 */
export async function syntheticModelDir(
  edit: (manifest: Record<string, unknown>) => void = () => undefined,
  options: { seal?: boolean } = {},
): Promise<string> {
  const directory = await tempDir('zsre-synthetic-');
  await writeFile(path.join(directory, 'bi_encoder.fp32.onnx'), 'bi');
  await writeFile(path.join(directory, 'cross_encoder.fp32.onnx'), 'cross');
  await writeFile(path.join(directory, 'tokenizer.json'), '{}');
  const manifest = sealManifest(syntheticManifest({ bi: sha256('bi'), cross: sha256('cross'), tokenizer: sha256('{}') }));
  edit(manifest);
  await writeFile(path.join(directory, 'manifest.json'), JSON.stringify(options.seal === false ? manifest : sealManifest(manifest)));
  return directory;
}

/**
 * Edits a model directory's manifest.json; with `seal` (the default) the digest is recomputed,
 * as an exporter would, so the edit itself is what the loader meets.
 */
export async function editManifest(
  directory: string,
  edit: (manifest: Record<string, unknown>) => void,
  options: { seal?: boolean } = {},
): Promise<void> {
  const file = path.join(directory, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(file, JSON.stringify(options.seal === false ? manifest : sealManifest(manifest), null, 2));
}

/** Format 1 of a format-2 manifest: tokenizer files as bare names, no digest. */
export function toFormat1(manifest: Record<string, unknown>): void {
  const tokenizer = manifest.tokenizer as { files: { file: string }[] | string[] };
  tokenizer.files = tokenizer.files.map((ref) => (typeof ref === 'string' ? ref : ref.file));
  manifest.formatVersion = 1;
  delete manifest.manifestSha256;
}
