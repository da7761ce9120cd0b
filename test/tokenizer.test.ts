import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { afterEach, describe, expect, it } from 'vitest';
import { isZsreError } from '../src/errors.js';
import type { Manifest } from '../src/model/manifest.js';
import { loadTokenizer } from '../src/tokenizer/load.js';
import { copyFixture, fixtureDir } from './helpers/modelDir.js';

const manifest = JSON.parse(await readFile(path.join(fixtureDir, 'manifest.json'), 'utf8')) as Manifest;
const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('loadTokenizer', () => {
  it('loads the BERT uncased tokenizer with its special and marker ids, leaving the library env alone', async () => {
    const before = { remote: env.allowRemoteModels, local: env.allowLocalModels, path: env.localModelPath };
    const tokenizer = await loadTokenizer(fixtureDir, manifest);
    expect({ remote: env.allowRemoteModels, local: env.allowLocalModels, path: env.localModelPath }).toEqual(before);
    expect(tokenizer.special).toEqual({ cls: 101, sep: 102, pad: 0, headStart: [1001], headEnd: [1001], tailStart: [1030], tailEnd: [1030] });
    // Lower-cased, accents stripped, punctuation split: "Zoë #1" -> zoe # 1.
    expect(tokenizer.encode('Zoë #1')).toEqual(tokenizer.encode('zoe # 1'));
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('MODEL_INVALID when the tokenizer files are broken', async () => {
    const directory = await copyFixture();
    made.push(directory);
    await writeFile(path.join(directory, 'tokenizer.json'), '{ not json');
    const error = await loadTokenizer(directory, manifest).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(isZsreError(error) && error.code).toBe('MODEL_INVALID');
    expect(isZsreError(error) && error.message).toMatch(/Could not load the tokenizer/);
  });
});
