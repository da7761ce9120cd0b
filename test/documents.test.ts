import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreEntities } from '../benchmarks/lib/entityScore.js';
import { createExtractor, isZsreError, type Extractor, type Relation } from '../src/index.js';
import { extractDocument, findEntities } from '../src/documents/index.js';
import { locateEntity } from '../src/entities/locate.js';
import { wordsBetween, wordStarts } from '../src/pairs/index.js';
import { tinyModel } from './triples-cli.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'zsre-documents-'));
const relations: Relation[] = [
  { id: 'spouse', name: 'spouse', description: 'the head entity is married to the tail entity' },
  { id: 'born_in', name: 'place of birth', description: 'the head person was born in the tail place' },
];
// Threshold 0: every classified pair is a triple, so pair selection and de-duplication are what
// the counts below measure (the fixture model is untrained).
let everything: Extractor;
beforeAll(async () => {
  everything = await createExtractor({ relations, model: tinyModel, cacheDir, threshold: 0, precision: 'fp32' });
});
afterAll(async () => {
  await everything?.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

const paragraph =
  'Marie Curie was born in Warsaw in 1867. She moved to Paris to study, and there she married Pierre Curie. ' +
  'Many years later, long after all of this had happened, and after a great number of other events that need not concern us here at all, her daughter Irène Joliot-Curie was born in Paris.';

describe('word distance', () => {
  it('counts the words strictly between two spans, in either order', () => {
    const text = 'Ada met the famous Bob today';
    const starts = wordStarts(text);
    const ada = locateEntity(text, 'Ada', 'entity 0');
    const bob = locateEntity(text, 'Bob', 'entity 1');
    expect(wordsBetween(starts, ada, bob)).toBe(3);
    expect(wordsBetween(starts, bob, ada)).toBe(3);
    expect(wordsBetween(starts, locateEntity(text, 'famous', 'entity 2'), bob)).toBe(0);
  });

  it('resolves the n-th occurrence and reports a missing entity with its code', () => {
    expect(locateEntity('Paris, then Paris', { text: 'Paris', occurrence: 1 }, 'entity 0')).toEqual({ start: 12, end: 17 });
    let error: unknown;
    try {
      locateEntity('Paris', 'Rome', 'entity 3');
    } catch (caught) {
      error = caught;
    }
    expect(isZsreError(error) && error.code).toBe('ENTITY_NOT_FOUND');
  });
});

describe('extractDocument', () => {
  const entities = ['Marie Curie', 'Warsaw', 'Paris', 'Pierre Curie', 'Irène Joliot-Curie', { text: 'Paris', occurrence: 1 }];

  it('with pairs: all, classifies the pairs within the distance, in both directions, in one batch', async () => {
    const calls: number[] = [];
    const counting = { extractBatch: (items: Parameters<Extractor['extractBatch']>[0]) => (calls.push(items.length), everything.extractBatch(items)) };
    const all = await extractDocument(counting, { text: paragraph, entities, maxTokenDistance: 1000, pairs: 'all' });
    expect(all.entities.map((entity) => entity.text)).toEqual(['Marie Curie', 'Warsaw', 'Paris', 'Pierre Curie', 'Irène Joliot-Curie', 'Paris']);
    expect(all.results).toHaveLength(6 * 5);
    expect(calls).toEqual([30]);
    const near = await extractDocument(everything, { text: paragraph, entities, maxTokenDistance: 12, pairs: 'all' });
    const pairs = near.results.map((result) => `${result.head.text}@${result.head.start}>${result.tail.text}@${result.tail.start}`);
    // Marie Curie and Warsaw are 4 words apart: both directions are in.
    expect(pairs).toContain('Marie Curie@0>Warsaw@24');
    expect(pairs).toContain('Warsaw@24>Marie Curie@0');
    // Irène is 30+ words from the first sentence: no pair with Marie Curie.
    expect(pairs.some((pair) => pair.startsWith('Irène') && pair.includes('Marie Curie'))).toBe(false);
    expect(pairs.some((pair) => pair.startsWith('Irène') && pair.includes('Paris@'))).toBe(true);
    expect(near.results.length).toBeLessThan(30);
    const forward = await extractDocument(everything, { text: paragraph, entities, maxTokenDistance: 12, directions: 'forward', pairs: 'all' });
    expect(forward.results.length * 2).toBe(near.results.length);
    expect(forward.results.every((result) => result.head.start < result.tail.start)).toBe(true);
  });

  it('pairs within a sentence by default, classifies each pair in its sentence, and across sentences only when asked', async () => {
    const items: string[] = [];
    const recording = { extractBatch: (batch: Parameters<Extractor['extractBatch']>[0]) => (items.push(...batch.map((item) => ('text' in item ? item.text : ''))), everything.extractBatch(batch)) };
    const bySentence = await extractDocument(recording, { text: paragraph, entities, maxTokenDistance: 1000 });
    const pairs = bySentence.results.map((result) => `${result.head.text}>${result.tail.text}`);
    // Sentence 1: Marie Curie, Warsaw; sentence 2: Paris, Pierre Curie; sentence 3: Irène, Paris.
    expect(pairs.sort()).toEqual(['Irène Joliot-Curie>Paris', 'Marie Curie>Warsaw', 'Paris>Irène Joliot-Curie', 'Paris>Pierre Curie', 'Pierre Curie>Paris', 'Warsaw>Marie Curie']);
    expect(pairs.some((pair) => pair.includes('Pierre Curie') && pair.includes('Warsaw'))).toBe(false);
    // Each pair was classified in its sentence alone; offsets point into the whole paragraph.
    expect(items).toContain('Marie Curie was born in Warsaw in 1867.');
    expect(items.every((text) => text.length < paragraph.length)).toBe(true);
    for (const result of bySentence.results) {
      expect(paragraph.slice(result.head.start, result.head.end)).toBe(result.head.text);
      expect(paragraph.slice(result.tail.start, result.tail.end)).toBe(result.tail.text);
    }
    const windowed = await extractDocument(everything, { text: paragraph, entities, maxTokenDistance: 1000, pairs: 'window' });
    const across = windowed.results.map((result) => `${result.head.text}>${result.tail.text}`);
    expect(across).toContain('Warsaw>Pierre Curie');
    expect(across.some((pair) => pair.includes('Marie Curie') && pair.includes('Irène'))).toBe(false);
    const wide = await extractDocument(everything, { text: paragraph, entities, maxTokenDistance: 1000, pairs: 'window', windowSentences: 2 });
    expect(wide.results.map((result) => `${result.head.text}>${result.tail.text}`)).toContain('Marie Curie>Irène Joliot-Curie');
    await expect(extractDocument(everything, { text: paragraph, entities, pairs: 'paragraph' as 'all' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(extractDocument(everything, { text: paragraph, entities, pairs: 'window', windowSentences: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('extractAll pairs within a sentence by default, and every pair with pairs: all', async () => {
    const people = ['Marie Curie', 'Warsaw', 'Pierre Curie'];
    const bySentence = await everything.extractAll({ text: paragraph, entities: people });
    expect(bySentence.map((triple) => `${triple.head.text}>${triple.tail.text}`).sort()).toEqual(['Marie Curie>Warsaw', 'Warsaw>Marie Curie']);
    expect(await everything.extractAll({ text: paragraph, entities: people }, { pairs: 'all' })).toHaveLength(6);
  });

  it('de-duplicates the same entity named twice (string and span)', async () => {
    const twice = await extractDocument(everything, { text: paragraph, entities: ['Marie Curie', 'Warsaw', { start: 24, end: 30 }, { text: 'Warsaw' }] });
    expect(twice.entities).toHaveLength(2);
    expect(twice.results).toHaveLength(2);
    expect(twice.triples).toHaveLength(2);
    const keys = twice.triples.map((triple) => `${triple.head.start}-${triple.tail.start}-${triple.relation.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('finds candidate entities itself when none are given (compromise)', async () => {
    const found = findEntities(paragraph);
    expect(found.map((entity) => entity.text)).toEqual(expect.arrayContaining(['Marie Curie', 'Warsaw', 'Pierre Curie']));
    // Offsets are JS string indices, edge punctuation trimmed.
    for (const entity of found) expect(paragraph.slice(entity.start, entity.end)).toBe(entity.text);
    const document = await extractDocument(everything, { text: paragraph });
    expect(document.entities.map((entity) => entity.text)).toEqual(found.map((entity) => entity.text));
    expect(document.results.length).toBeGreaterThan(0);
  });

  it('reports, never drops, the pairs of entities that partly overlap; every pair is classified or reported', async () => {
    const text = 'She flew from New York City to Paris.';
    const document = await extractDocument(everything, { text, entities: ['New York', 'York City', 'Paris'] });
    expect(document.skipped.map((pair) => `${pair.head.text}>${pair.tail.text}:${pair.code}`)).toEqual(['New York>York City:ENTITY_OVERLAP', 'York City>New York:ENTITY_OVERLAP']);
    expect(document.results.map((result) => `${result.head.text}>${result.tail.text}`)).toEqual(['New York>Paris', 'York City>Paris', 'Paris>New York', 'Paris>York City']);
    expect(document.results.length + document.skipped.length).toBe(3 * 2);
  });

  it('extractAll hands the pairs it did not classify to onSkipped, or else to a process warning', async () => {
    const text = 'She flew from New York City to Paris.';
    let received: string[] = [];
    const triples = await everything.extractAll({ text, entities: ['New York', 'York City', 'Paris'] }, { onSkipped: (skipped) => (received = skipped.map((pair) => `${pair.head.text}>${pair.tail.text}`)) });
    expect(received).toEqual(['New York>York City', 'York City>New York']);
    expect(triples).toHaveLength(4);
    const warnings: Error[] = [];
    const listen = (warning: Error) => warnings.push(warning);
    process.on('warning', listen);
    try {
      await everything.extractAll({ text, entities: ['New York', 'York City', 'Paris'] });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings.map((warning) => (warning as Error & { code?: string }).code)).toEqual(['ZSRE_PAIRS_SKIPPED']);
    expect(warnings[0]?.message).toContain('2 entity pair(s)');
  });

  it('refuses a bad input with INVALID_INPUT naming the field, an unknown field included, before classifying anything', async () => {
    const refused = async (input: unknown, field: string) => {
      const error = await (extractDocument as (e: unknown, i: unknown) => Promise<unknown>)(everything, input).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(isZsreError(error) && error.code).toBe('INVALID_INPUT');
      expect(isZsreError(error) && error.context['field']).toBe(field);
      return (error as Error).message;
    };
    expect(await refused('Ada met Bob.', '(root)')).toContain('extractDocument input');
    expect(await refused({ text: 42 }, 'text')).toContain('field "text"');
    expect(await refused({ text: 'Ada met Bob.', entities: 'Ada' }, 'entities')).toContain('field "entities"');
    // A misspelt option is not dropped: the field is named, with the one it resembles.
    expect(await refused({ text: 'Ada met Bob.', pairz: 'all' }, 'pairz')).toContain('field "pairz" is not a known field (did you mean "pairs"?)');
    expect(await refused({ text: 'Ada met Bob.', maxTokenDistance: -3 }, 'maxTokenDistance')).toContain('field "maxTokenDistance"');
    expect(await refused({ text: 'Ada met Bob.', directions: 'backward' }, 'directions')).toContain('field "directions"');
    const noExtractor = await (extractDocument as (e: unknown, i: unknown) => Promise<unknown>)({}, { text: 'Ada met Bob.' }).catch((caught: unknown) => caught);
    expect(isZsreError(noExtractor) && noExtractor.context['field']).toBe('extractor');
    expect(() => findEntities(7 as unknown as string)).toThrow(/findEntities\(text\): text must be a string, received number/);
  });

  it('returns nothing to classify for fewer than two entities', async () => {
    expect(await extractDocument(everything, { text: 'Only Ada here.', entities: ['Ada'] })).toEqual({
      entities: [{ start: 5, end: 8, text: 'Ada' }],
      results: [],
      triples: [],
      skipped: [],
    });
  });
});

describe('entity scoring (benchmarks/entities-compromise.ts)', () => {
  it('computes exact and overlap precision/recall', () => {
    const score = scoreEntities(
      [
        { start: 0, end: 5 },
        { start: 10, end: 15 },
      ],
      [
        { start: 0, end: 5 },
        { start: 10, end: 16 },
        { start: 20, end: 22 },
      ],
    );
    expect(score.exact).toMatchObject({ matched: 1, precision: 1 / 3, recall: 0.5 });
    expect(score.overlap).toMatchObject({ precision: 2 / 3, recall: 1 });
  });

  it('has a recorded result for the hand-annotated fixture', () => {
    const recorded = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'benchmarks', 'results', 'entities-compromise.json'), 'utf8')) as {
      paragraphs: number;
      pooled: { gold: number; exact: { precision: number; recall: number } };
    };
    expect(recorded.paragraphs).toBe(5);
    expect(recorded.pooled.gold).toBe(31);
    expect(recorded.pooled.exact.recall).toBeGreaterThan(0);
  });
});
