/**
 * The page's tokenizer (src/web/tokenizer.ts: @huggingface/tokenizers over the model's files)
 * gives exactly the ids of Node's (src/tokenizer/load.ts: transformers.js), special ids included,
 * on text in many scripts with the marker characters: the browser's answers start from the same ids.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../src/model/loadModel.js';
import { loadTokenizer } from '../src/tokenizer/load.js';
import { webTokenizer } from '../src/web/tokenizer.js';

const directory = path.resolve(import.meta.dirname, '..', 'models', 'zsre-minilm-l6-general');
const texts = [
  'Marie Curie married the physicist Pierre Curie in 1895 in Sceaux.',
  '# Frida Kahlo # was born in @ Coyoacán @, near Mexico City.',
  'naïve façade, Ærø, İstanbul, straße — “quotes” and ‘apostrophes’',
  '東京は日本の首都です。 서울 Москва القاهرة Αθήνα',
  'emoji 😀 and combining e\u0301 and zero\u200bwidth',
  '  leading, trailing and   repeated\twhitespace\n ',
  'unaffable unbelievable antidisestablishmentarianism',
  '',
];

describe('the web tokenizer', () => {
  it("gives Node's ids and special ids for the shipped model", async () => {
    const manifest = await readManifest(directory);
    const files = new Map<string, Uint8Array>();
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.set(name, new Uint8Array(await readFile(path.join(directory, name))));
    const web = webTokenizer(files, manifest, directory);
    const node = await loadTokenizer(directory, manifest);
    expect(web.special).toEqual(node.special);
    expect(web.wordByWord).toBe(node.wordByWord);
    for (const text of texts) expect(web.encode(text), text).toEqual(node.encode(text));
  });

  it('names the model when tokenizer.json is missing', async () => {
    const manifest = await readManifest(directory);
    expect(() => webTokenizer(new Map(), manifest, 'https://example.org/model/')).toThrow(/Could not load the tokenizer of https:\/\/example\.org\/model\/.*no tokenizer\.json/);
  });
});
