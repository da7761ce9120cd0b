import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractor, type Extractor, type ExtractItem } from '../src/index.js';
import type { Manifest } from '../src/model/manifest.js';
import { loadTokenizer, type TextTokenizer } from '../src/tokenizer/load.js';
import { batchTokenizers, memoizeWords, tokenizesWordByWord } from '../src/tokenizer/words.js';
import { fixtureDir } from './helpers/modelDir.js';

const { sentences } = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'tokenizer', 'scripts.json'), 'utf8')) as { sentences: string[] };
const tokenizerConfig = JSON.parse(readFileSync(join(fixtureDir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;

let plain: TextTokenizer;
beforeAll(async () => {
  const manifest = JSON.parse(readFileSync(join(fixtureDir, 'manifest.json'), 'utf8')) as Manifest;
  plain = await loadTokenizer(fixtureDir, manifest);
});

/** A fixed sequence from a fixed seed (mulberry32), so a failure names a reproducible cut. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('word-by-word tokenization equals the plain per-segment encoding', () => {
  it('is enabled for the BERT tokenizer of the model fixture (the same files as the shipped model)', () => {
    expect(plain.wordByWord).toBe(true);
  });

  it('holds for every sentence of the multi-script fixture, whole, and every prefix and suffix of it', () => {
    expect(sentences.length).toBeGreaterThanOrEqual(20);
    const memo = memoizeWords(plain);
    const mismatches: string[] = [];
    for (const sentence of sentences) {
      const pieces = [sentence];
      for (let cut = 0; cut <= sentence.length; cut += 1) pieces.push(sentence.slice(0, cut), sentence.slice(cut));
      for (const piece of pieces) {
        if (JSON.stringify(memo.encode(piece)) !== JSON.stringify(plain.encode(piece))) mismatches.push(JSON.stringify(piece));
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('holds for random segments of a document made of all the fixture sentences (seeded)', () => {
    const document = sentences.join(' \n').repeat(2);
    const memo = memoizeWords(plain);
    const random = seeded(15);
    const mismatches: string[] = [];
    for (let trial = 0; trial < 400; trial += 1) {
      const a = Math.floor(random() * document.length);
      const b = a + Math.floor(random() * Math.min(200, document.length - a));
      const piece = document.slice(a, b);
      if (JSON.stringify(memo.encode(piece)) !== JSON.stringify(plain.encode(piece))) mismatches.push(`[${a}, ${b}) ${JSON.stringify(piece)}`);
    }
    expect(mismatches).toEqual([]);
    expect(memo.encode(document)).toEqual(plain.encode(document));
  });
});

describe('which tokenizers take the word-by-word path', () => {
  it('accepts the BERT normalizer + BERT pre-tokenizer + WordPiece configuration', () => {
    expect(tokenizesWordByWord(tokenizerConfig)).toBe(true);
  });

  it('falls back to the plain path for anything it cannot vouch for', () => {
    const variant = (change: Record<string, unknown>) => ({ ...tokenizerConfig, ...change });
    expect(tokenizesWordByWord(variant({ pre_tokenizer: { type: 'Metaspace', replacement: '▁' } }))).toBe(false);
    expect(tokenizesWordByWord(variant({ normalizer: { type: 'Sequence', normalizers: [] } }))).toBe(false);
    expect(tokenizesWordByWord(variant({ normalizer: null }))).toBe(false);
    expect(tokenizesWordByWord(variant({ model: { type: 'BPE' } }))).toBe(false);
    expect(tokenizesWordByWord(variant({ added_tokens: [{ id: 1, content: 'New York', special: false }] }))).toBe(false);
    expect(tokenizesWordByWord(variant({ added_tokens: 'oops' }))).toBe(false);
    expect(tokenizesWordByWord(null)).toBe(false);
    expect(tokenizesWordByWord('tokenizer')).toBe(false);
  });

  it('shares one memo among the items of a batch with the same text, and leaves the others plain', () => {
    const items = [{ text: 'one doc' }, { text: 'one doc' }, { text: 'another' }, { tokens: ['x'] }];
    const pick = batchTokenizers(items, plain);
    expect(pick(items[0])).toBe(pick(items[1]));
    expect(pick(items[0])).not.toBe(plain);
    expect(pick(items[2])).toBe(plain);
    expect(pick(items[3])).toBe(plain);
    expect(batchTokenizers([{ text: 'a' }, { text: 'b' }], plain)({ text: 'a' })).toBe(plain);
    const notBert: TextTokenizer = { encode: plain.encode, special: plain.special, wordByWord: false };
    expect(batchTokenizers(items, notBert)(items[0])).toBe(notBert);
  });
});

describe('a whole document through the extractor', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'zsre-words-'));
  let extractor: Extractor;
  beforeAll(async () => {
    extractor = await createExtractor({
      model: fixtureDir,
      cacheDir,
      precision: 'fp32',
      relations: [
        { id: 'spouse', name: 'spouse', description: 'the head entity is married to the tail entity' },
        { id: 'born_in', name: 'place of birth', description: 'the head person was born in the tail place' },
      ],
    });
  });
  afterAll(async () => {
    await extractor?.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('answers each pair of a long multi-script text exactly as when the pair is sent alone', async () => {
    const text = `${sentences.join(' ')} Marie Curie married Pierre Curie in Paris.`;
    const entities = ['Ada Lovelace', 'London', 'São Paulo', 'Москва', '北京', 'Gulf of Thailand', 'Marie Curie', 'Paris'];
    const items: ExtractItem[] = [];
    for (const head of entities) for (const tail of entities) if (head !== tail) items.push({ text, head, tail });
    // The batch shares the text, so it takes the word memo; one item alone takes the plain path.
    const together = await extractor.extractBatch(items);
    const alone = [];
    for (const item of items) alone.push(await extractor.extract(item));
    expect(together).toEqual(alone);
  });
});
