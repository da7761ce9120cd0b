import { createHash } from 'node:crypto';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

/** A schema-valid manifest (docs/model-directory.md) over the given graph file hashes. */
export function syntheticManifest(hashes: { bi: string; cross: string }): Record<string, unknown> {
  const seq = ['batch', 'sequence'];
  return {
    format: 'zsre-model',
    formatVersion: 1,
    name: 'synthetic',
    backbone: { name: 'test', hiddenSize: 4 },
    tokenizer: { files: ['tokenizer.json'], lowercase: true },
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

/** A directory with placeholder graph files and a manifest whose hashes match them. */
export async function syntheticModelDir(edit: (manifest: Record<string, unknown>) => void = () => undefined): Promise<string> {
  const directory = await tempDir('zsre-synthetic-');
  await writeFile(path.join(directory, 'bi_encoder.fp32.onnx'), 'bi');
  await writeFile(path.join(directory, 'cross_encoder.fp32.onnx'), 'cross');
  await writeFile(path.join(directory, 'tokenizer.json'), '{}');
  const manifest = syntheticManifest({ bi: sha256('bi'), cross: sha256('cross') });
  edit(manifest);
  await writeFile(path.join(directory, 'manifest.json'), JSON.stringify(manifest));
  return directory;
}
