import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractDocument } from '../src/documents/index.js';
import { createExtractor, type Extractor, type Relation } from '../src/index.js';
import { tinyModel } from './triples-cli.js';

/**
 * Nested entities in whole documents: a span strictly inside another ("Thailand" in "Gulf of
 * Thailand") is a pair like any other and gets an answer in both directions, with offsets into
 * the caller's text. Pairing keeps these pairs (test/pairs.test.ts); this file needs entity
 * markers that nest in the text preparation as well (issue 14 item 2).
 */
const cacheDir = mkdtempSync(join(tmpdir(), 'zsre-nested-'));
const relations: Relation[] = [
  { id: 'part_of', name: 'part of', description: 'the head entity is a part of the tail entity' },
  { id: 'located_in', name: 'located in', description: 'the head entity is located in the tail place' },
];
let extractor: Extractor;
beforeAll(async () => {
  extractor = await createExtractor({ relations, model: tinyModel, cacheDir, threshold: 0, precision: 'fp32' });
});
afterAll(async () => {
  await extractor?.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

const text = 'Fishing boats crossed the Gulf of Thailand at dawn. A chess piece fell; the Mickey Mouse universe grew.';
const at = (needle: string) => ({ start: text.indexOf(needle), end: text.indexOf(needle) + needle.length });

describe('nested entity pairs in documents', () => {
  it('answers both directions of every nested pair, with offsets into the text', async () => {
    const entities = [at('Gulf of Thailand'), at('Thailand'), at('chess piece'), at('chess'), at('Mickey Mouse universe'), at('Mickey Mouse')];
    const document = await extractDocument(extractor, { text, entities, maxTokenDistance: 1000, pairs: 'all' });
    expect(document.skipped).toEqual([]);
    expect(document.results).toHaveLength(6 * 5);
    // By sentence (the default): the 2 entities of the first sentence, the 4 of the second.
    const bySentence = await extractDocument(extractor, { text, entities, maxTokenDistance: 1000 });
    expect(bySentence.skipped).toEqual([]);
    expect(bySentence.results).toHaveLength(2 * 1 + 4 * 3);
    const answered = document.results.map((result) => `${result.head.text}>${result.tail.text}`);
    for (const [outer, inner] of [['Gulf of Thailand', 'Thailand'], ['chess piece', 'chess'], ['Mickey Mouse universe', 'Mickey Mouse']]) {
      expect(answered).toContain(`${outer}>${inner}`);
      expect(answered).toContain(`${inner}>${outer}`);
    }
    for (const result of document.results) {
      expect(text.slice(result.head.start, result.head.end)).toBe(result.head.text);
      expect(text.slice(result.tail.start, result.tail.end)).toBe(result.tail.text);
      expect(result.relation).not.toBeNull();
    }
  });

  it('extractAll gives a triple for a nested pair and reports nothing skipped', async () => {
    let skipped: unknown[] = [];
    const triples = await extractor.extractAll({ text, entities: ['Gulf of Thailand', 'Thailand'] }, { onSkipped: (pairs) => (skipped = pairs) });
    expect(skipped).toEqual([]);
    expect(triples.map((triple) => `${triple.head.text}>${triple.tail.text}`).sort()).toEqual(['Gulf of Thailand>Thailand', 'Thailand>Gulf of Thailand']);
    const inner = triples.find((triple) => triple.head.text === 'Thailand');
    expect(inner?.head).toMatchObject(at('Thailand'));
  });
});
