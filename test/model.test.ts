import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ZsreError } from '../src/errors.js';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { syntheticModelDir, tempDir } from './helpers/modelDir.js';

const made: string[] = [];
async function model(edit?: (manifest: Record<string, unknown>) => void): Promise<string> {
  const directory = await syntheticModelDir(edit);
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
  if (!(error instanceof ZsreError)) throw new Error(`expected a ZsreError, got ${String(error)}`);
  return error;
}

describe('loadModelDirectory', () => {
  it('accepts a directory whose files match its manifest', async () => {
    const directory = await model();
    const loaded = await loadModelDirectory(directory, 'fp32', { crossEncoder: true });
    expect(loaded.manifest.name).toBe('synthetic');
    expect(loaded.graphs.biEncoder?.path).toBe(path.join(directory, 'bi_encoder.fp32.onnx'));
    expect(loaded.graphs.crossEncoder).not.toBeNull();
  });

  it('MODEL_NOT_FOUND for a missing directory, saying how to pass one', async () => {
    const error = await failure(loadModelDirectory('/nonexistent/zsre-model', 'int8', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toMatch(/\/nonexistent\/zsre-model does not exist: pass `model`/);
  });

  it('MODEL_INVALID when manifest.json is missing, naming the file', async () => {
    const directory = await tempDir();
    made.push(directory);
    const error = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain(path.join(directory, 'manifest.json'));
    expect(error.message).toMatch(/re-export or re-download/);
  });

  it('MODEL_INVALID when manifest.json is not JSON', async () => {
    const directory = await model();
    await writeFile(path.join(directory, 'manifest.json'), '{"format": ');
    const error = await failure(loadModelDirectory(directory, 'fp32', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/manifest.json is not valid JSON/);
  });

  it('MODEL_INVALID naming the field that fails the schema', async () => {
    const directory = await model((manifest) => {
      (manifest.maxLength as Record<string, unknown>).sentence = 'long';
    });
    const error = await failure(loadModelDirectory(directory, 'fp32', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('field "maxLength.sentence"');
    expect(error.context.field).toBe('maxLength.sentence');
  });

  it('MODEL_INVALID when a required tensor is not declared', async () => {
    const directory = await model((manifest) => {
      const graphs = manifest.graphs as { crossEncoder: { inputs: unknown[] } };
      graphs.crossEncoder.inputs = graphs.crossEncoder.inputs.slice(0, 2);
    });
    const error = await failure(loadModelDirectory(directory, 'fp32', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/graphs.crossEncoder.inputs lacks token_type_ids/);
  });

  it('MODEL_INVALID when the precision asked for is not listed, suggesting the other', async () => {
    const directory = await model();
    const error = await failure(loadModelDirectory(directory, 'int8', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/no int8 entry.*precision 'fp32'/);
  });

  it('MODEL_INVALID when a listed graph file is missing', async () => {
    const directory = await model();
    await rm(path.join(directory, 'cross_encoder.fp32.onnx'));
    const error = await failure(loadModelDirectory(directory, 'fp32', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('cross_encoder.fp32.onnx');
    // Bi-encoder-only use does not need the cross-encoder file.
    await expect(loadModelDirectory(directory, 'fp32', { crossEncoder: false })).resolves.toMatchObject({ graphs: { crossEncoder: null } });
  });

  it('MODEL_INVALID when a listed tokenizer file is missing, naming it', async () => {
    const directory = await model();
    await rm(path.join(directory, 'tokenizer.json'));
    const error = await failure(loadModelDirectory(directory, 'fp32', { crossEncoder: false }));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/tokenizer.files lists tokenizer.json, which is missing/);
    expect(error.context.field).toBe('tokenizer.files.0');
  });

  it('MODEL_CHECKSUM for a tokenizer file that differs from its listed sha256', async () => {
    const directory = await model();
    await writeFile(path.join(directory, 'tokenizer.json'), '{ }');
    const error = await failure(loadModelDirectory(directory, 'fp32', { crossEncoder: false }));
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.message).toContain(path.join(directory, 'tokenizer.json'));
  });

  it('MODEL_CHECKSUM naming the file and telling to re-export or re-download', async () => {
    const directory = await model();
    await writeFile(path.join(directory, 'bi_encoder.fp32.onnx'), 'tampered');
    const error = await failure(loadModelDirectory(directory, 'fp32', { crossEncoder: true }));
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.message).toContain(path.join(directory, 'bi_encoder.fp32.onnx'));
    expect(error.message).toMatch(/re-export the model or re-download/);
  });
});
