import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createExtractor, type EntityRef, type ExtractItem, type ExtractResult, isZsreError, type Relation } from '../src/index.js';
import { fixtureDir, tempDir } from './helpers/modelDir.js';

/**
 * Seeded fuzz test of the public API (issue 15): random texts in several scripts, random entity
 * references (strings, occurrences, spans, token forms; valid and not) and random relation sets.
 * Every outcome must be an answer with valid offsets into the caller's text, or a ZsreError;
 * anything else (a TypeError, a crash, an offset past the text) fails. On the tiny fixture model.
 */

/** mulberry32: a small deterministic PRNG, so a failure replays with its seed. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = [
  'Marie', 'Curie', 'Paris', 'born', 'in', 'the', 'of', 'Société', 'Zoe\u0301', '東京', '北京大学', 'القاهرة', 'Москва', 'Ἀθῆναι',
  '😀', '👩‍🔬', 'e\u0301\u0302', '#', '@', '[CLS]', '[SEP]', '\u200b', '\u0000', '\ufeff', 'ﬁ', 'ß', 'İstanbul', '123', '-', ',', '.', '"',
];
const separators = [' ', ' ', ' ', '', '\n', '\t', '  ', '\u00a0', '\u3000'];

function randomText(next: () => number): string {
  const words = 1 + Math.floor(next() * 14);
  let text = '';
  for (let i = 0; i < words; i += 1) {
    text += pieces[Math.floor(next() * pieces.length)];
    if (i < words - 1) text += separators[Math.floor(next() * separators.length)];
  }
  return text;
}

function randomRef(text: string, next: () => number): EntityRef {
  const roll = next();
  const start = Math.floor(next() * (text.length + 2)) - 1;
  const end = start + Math.floor(next() * 8) - 1;
  if (roll < 0.35) return { start, end };
  const sub = text.slice(Math.max(0, start), Math.max(0, end));
  if (roll < 0.7) return sub;
  if (roll < 0.85) return { text: sub, occurrence: Math.floor(next() * 3) };
  return pieces[Math.floor(next() * pieces.length)] as string;
}

function randomItem(next: () => number): ExtractItem {
  const text = randomText(next);
  if (next() < 0.2) {
    const tokens = text.split(/\s+/u);
    const pick = (): number[] => {
      const from = Math.floor(next() * (tokens.length + 1));
      return Array.from({ length: 1 + Math.floor(next() * 2) }, (_, i) => from + i);
    };
    return { tokens, head: pick(), tail: pick() };
  }
  return { text, head: randomRef(text, next), tail: randomRef(text, next) };
}

function randomRelations(next: () => number): Relation[] {
  const count = 1 + Math.floor(next() * 5);
  return Array.from({ length: count }, (_, i) => {
    const name = randomText(next).trim() || `r${i}`;
    return next() < 0.5 ? { id: `R${i}`, name } : { id: `R${i}`, name, description: randomText(next) };
  });
}

/** The joined text a token-form item's offsets refer to. */
function textOf(item: ExtractItem): string {
  return 'tokens' in item ? item.tokens.join(' ') : item.text;
}

function checkAnswer(item: ExtractItem, result: ExtractResult, relations: readonly Relation[]): void {
  const text = textOf(item);
  for (const span of [result.head, result.tail]) {
    expect(span.start).toBeGreaterThanOrEqual(0);
    expect(span.end).toBeGreaterThan(span.start);
    expect(span.end).toBeLessThanOrEqual(text.length);
    expect(text.slice(span.start, span.end)).toBe(span.text);
  }
  const ids = new Set(relations.map((relation) => relation.id));
  expect(result.candidates.length).toBeGreaterThan(0);
  for (const candidate of result.candidates) {
    expect(ids.has(candidate.id)).toBe(true);
    expect(candidate.probability).toBeGreaterThanOrEqual(0);
    expect(candidate.probability).toBeLessThanOrEqual(1);
  }
}

const cacheDirs: string[] = [];
afterAll(async () => {
  await Promise.all(cacheDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('seeded fuzz of the public API', () => {
  it.each([1, 2, 3, 4])('seed %i: every item is answered with valid offsets or refused with a ZsreError', async (seed) => {
    const next = rng(seed);
    const relations = randomRelations(next);
    const cacheDir = await tempDir('zsre-fuzz-');
    cacheDirs.push(cacheDir);
    const extractor = await createExtractor({ model: fixtureDir, relations, cacheDir, batchSize: 4 });
    const outcomes = { answered: 0, refused: 0 };
    try {
      for (let i = 0; i < 60; i += 1) {
        const item = randomItem(next);
        try {
          const result = await extractor.extract(item);
          checkAnswer(item, result, relations);
          outcomes.answered += 1;
        } catch (error) {
          if (!isZsreError(error)) throw new Error(`seed ${seed}, item ${i} ${JSON.stringify(item)}: ${String(error)}`, { cause: error });
          expect(error.message.length).toBeGreaterThan(20);
          outcomes.refused += 1;
        }
      }
      // A batch mixes good and bad items: it either answers all or names the bad item.
      const batch = Array.from({ length: 8 }, () => randomItem(next));
      try {
        const results = await extractor.extractBatch(batch);
        results.forEach((result, position) => checkAnswer(batch[position] as ExtractItem, result, relations));
      } catch (error) {
        expect(isZsreError(error)).toBe(true);
        expect((error as Error).message).toMatch(/^Item \d+: /);
      }
    } finally {
      await extractor.dispose();
    }
    // The generator must exercise both paths, or the test proves nothing.
    expect(outcomes.answered).toBeGreaterThan(5);
    expect(outcomes.refused).toBeGreaterThan(5);
  });

  it('refuses bad relation sets with a ZsreError, never a crash', async () => {
    const next = rng(99);
    for (let i = 0; i < 6; i += 1) {
      const relations = randomRelations(next);
      const broken: unknown[] = [...relations, next() < 0.5 ? { ...relations[0] } : { id: '', name: '' }];
      const cacheDir = await tempDir('zsre-fuzz-');
      cacheDirs.push(cacheDir);
      const error = await createExtractor({ model: fixtureDir, relations: broken as Relation[], cacheDir }).then(
        async (extractor) => {
          await extractor.dispose();
          return null;
        },
        (caught: unknown) => caught,
      );
      expect(isZsreError(error), String(error)).toBe(true);
    }
  });
});
