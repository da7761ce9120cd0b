import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractor, type Extractor, extractRelations, isZsreError, type Relation, type ZsreError } from '../src/index.js';
import { decodeVectors } from '../src/labels/store.js';
import { fixtureDir, tempDir } from './helpers/modelDir.js';

/** End to end on the real tiny ONNX fixture (test/fixtures/tiny-model, produced by training/). */

const relations: Relation[] = [
  { id: 'P26', name: 'spouse', description: 'the subject has the object as their husband or wife' },
  { id: 'P19', name: 'place of birth', description: 'the most specific known birth location of a person' },
  { id: 'P17', name: 'country', description: 'the sovereign state this item is in' },
  { id: 'P40', name: 'child' },
  { id: 'P108', name: 'employer', description: 'the organisation a person works or worked for' },
];
const text = 'Marie Curie married Pierre Curie in Paris , France .';

let cacheDir: string;
let extractor: Extractor;

beforeAll(async () => {
  cacheDir = await tempDir('zsre-e2e-');
  extractor = await createExtractor({ model: fixtureDir, relations, cacheDir, batchSize: 2 });
});
afterAll(async () => {
  await extractor?.dispose();
  await rm(cacheDir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<ZsreError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!isZsreError(error)) throw new Error(`expected a ZsreError, got ${String(error)}`);
  return error;
}

describe('extract', () => {
  it('returns the top-k candidates with fused probabilities and the entity spans', async () => {
    const result = await extractor.extract({ text, head: 'Marie Curie', tail: 'Pierre Curie', id: 'one' });
    expect(result.id).toBe('one');
    expect(result.head).toEqual({ start: 0, end: 11, text: 'Marie Curie' });
    expect(result.tail).toEqual({ start: 20, end: 32, text: 'Pierre Curie' });
    expect(result.candidates).toHaveLength(extractor.model.manifest.fusion.topK);
    const ids = new Set(relations.map((relation) => relation.id));
    for (const candidate of result.candidates) {
      expect(ids.has(candidate.id)).toBe(true);
      expect(candidate.probability).toBeGreaterThanOrEqual(0);
      expect(candidate.biScore).toBeGreaterThanOrEqual(-1.0001);
      expect(candidate.biScore).toBeLessThanOrEqual(1.0001);
      expect(typeof candidate.crossScore).toBe('number');
    }
    const total = result.candidates.reduce((sum, candidate) => sum + candidate.probability, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-9);
    const probabilities = result.candidates.map((candidate) => candidate.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    expect(extractor.model).toMatchObject({ name: 'tiny-fixture', precision: 'int8', directory: fixtureDir });
  });

  it('accepts the FewRel token form with offsets into the joined tokens', async () => {
    const result = await extractor.extract({ tokens: text.split(' '), head: [0, 1], tail: [6] });
    expect(result.head).toEqual({ start: 0, end: 11, text: 'Marie Curie' });
    expect(result.tail).toEqual({ start: 36, end: 41, text: 'Paris' });
  });

  it('answers nested pairs (tail inside head, head inside tail) with offsets into the text, in every form', async () => {
    const gulf = 'Ships cross the Gulf of Thailand near Cambodia .';
    const outer = { start: 16, end: 32, text: 'Gulf of Thailand' };
    const inner = { start: 24, end: 32, text: 'Thailand' };
    const byString = await extractor.extract({ text: gulf, head: 'Gulf of Thailand', tail: 'Thailand' });
    expect(byString.head).toEqual(outer);
    expect(byString.tail).toEqual(inner);
    expect(byString.candidates.length).toBeGreaterThan(0);
    const reversed = await extractor.extract({ text: gulf, head: { start: 24, end: 32 }, tail: { start: 16, end: 32 } });
    expect(reversed.head).toEqual(inner);
    expect(reversed.tail).toEqual(outer);
    // Head inside tail is a different marked input from tail inside head: the scores differ.
    expect(reversed.candidates.map((c) => c.biScore)).not.toEqual(byString.candidates.map((c) => c.biScore));
    const byTokens = await extractor.extract({ tokens: gulf.split(' '), head: [3, 4, 5], tail: [5] });
    expect(byTokens.head).toEqual(outer);
    expect(byTokens.candidates).toEqual(byString.candidates);
  });

  it('keeps offsets for emoji, CJK and combining marks', async () => {
    const unicode = '😀 Zoe\u0301 lives in 東京 😀.';
    const result = await extractor.extract({ text: unicode, head: 'Zoe\u0301', tail: '東京' });
    expect(result.head).toEqual({ start: 3, end: 7, text: 'Zoe\u0301' });
    expect(unicode.slice(result.tail.start, result.tail.end)).toBe('東京');
  });

  it('windows long texts instead of rejecting them', async () => {
    const filler = 'the committee met again and discussed the budget at length . '.repeat(60);
    const result = await extractor.extract({ text: `${filler}Ada Lovelace worked with Charles Babbage . ${filler}`, head: 'Ada Lovelace', tail: 'Charles Babbage' });
    expect(result.candidates.length).toBeGreaterThan(0);
    expect(result.head.text).toBe('Ada Lovelace');
  });

  it('follows the threshold: 0 always answers, 1 abstains', async () => {
    const always = await createExtractor({ model: fixtureDir, relations, cacheDir, threshold: 0 });
    const never = await createExtractor({ model: fixtureDir, relations, cacheDir, threshold: 1 });
    try {
      const item = { text, head: 'Marie Curie', tail: 'Paris' };
      const answered = await always.extract(item);
      expect(answered.relation?.id).toBe(answered.candidates[0]?.id);
      expect(answered.relation?.probability).toBe(answered.candidates[0]?.probability);
      expect((await never.extract(item)).relation).toBeNull();
    } finally {
      await always.dispose();
      await never.dispose();
    }
  });

  it('bi-encoder-only mode has no cross scores and uses the biOnly parameters', async () => {
    const biOnly = await createExtractor({ model: fixtureDir, relations, cacheDir, useCrossEncoder: false, topK: 2 });
    try {
      const result = await biOnly.extract({ text, head: 'Marie Curie', tail: 'Pierre Curie' });
      expect(result.candidates).toHaveLength(2);
      expect(result.candidates.every((candidate) => candidate.crossScore === null)).toBe(true);
      const { biWeight, noneLogit } = biOnly.model.manifest.fusion.biOnly;
      const logits = result.candidates.map((candidate) => biWeight * candidate.biScore);
      const max = Math.max(noneLogit, ...logits);
      const total = Math.exp(noneLogit - max) + logits.reduce((sum, logit) => sum + Math.exp(logit - max), 0);
      expect(result.candidates[0]?.probability).toBeCloseTo(Math.exp((logits[0] ?? 0) - max) / total, 10);
    } finally {
      await biOnly.dispose();
    }
  });
});

describe('extractBatch', () => {
  const items = [
    { text, head: 'Marie Curie', tail: 'Pierre Curie' },
    { text, head: 'Paris', tail: 'France' },
    { tokens: text.split(' '), head: [3, 4], tail: [0, 1] },
    { text: 'Ada Lovelace worked with Charles Babbage in London .', head: 'Ada Lovelace', tail: 'London', id: 'x' },
    { text, head: 'Pierre Curie', tail: { start: 36, end: 41 } },
  ];

  it('reports progress after each batch and matches one-by-one results', async () => {
    // fp32 here (test/batch-invariance.test.ts covers int8): results must not depend on batching.
    const fp32 = await createExtractor({ model: fixtureDir, relations, cacheDir, batchSize: 2, precision: 'fp32' });
    const progress: [number, number][] = [];
    const results = await fp32.extractBatch(items, { onProgress: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(results[3]?.id).toBe('x');
    for (const [index, item] of items.entries()) {
      const single = await fp32.extract(item);
      const batched = results[index];
      expect(batched?.candidates.map((candidate) => candidate.id)).toEqual(single.candidates.map((candidate) => candidate.id));
      batched?.candidates.forEach((candidate, position) => {
        expect(candidate.biScore).toBeCloseTo(single.candidates[position]?.biScore ?? Number.NaN, 5);
        expect(candidate.crossScore).toBeCloseTo(single.candidates[position]?.crossScore ?? Number.NaN, 4);
        expect(candidate.probability).toBeCloseTo(single.candidates[position]?.probability ?? Number.NaN, 5);
      });
    }
    await fp32.dispose();
  });

  it('names the failing item in batch errors', async () => {
    const error = await failure(extractor.extractBatch([items[0] as (typeof items)[0], { text, head: 'Nobody', tail: 'Paris' }]));
    expect(error.code).toBe('ENTITY_NOT_FOUND');
    expect(error.message).toMatch(/^Item 1: The head entity "Nobody" was not found/);
    expect(error.context.item).toBe(1);
  });

  it('rejects a non-array with INVALID_INPUT', async () => {
    expect((await failure(extractor.extractBatch(items[0] as never))).code).toBe('INVALID_INPUT');
  });

  it('lets a running batch finish its model call when disposed mid-way, then refuses the rest', async () => {
    const short = await createExtractor({ model: fixtureDir, relations, cacheDir, batchSize: 1 });
    let disposing: Promise<void> | undefined;
    const outcome = short
      .extractBatch(items, {
        onProgress: (done) => {
          if (done === 1) disposing = short.dispose();
        },
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    const error = await outcome;
    await disposing;
    expect(isZsreError(error) && error.code).toBe('DISPOSED');
  });

  it('returns an empty list for no items', async () => {
    expect(await extractor.extractBatch([])).toEqual([]);
  });
});

describe('extractAll', () => {
  it('runs every ordered pair of distinct entities and keeps triples with a relation', async () => {
    const always = await createExtractor({ model: fixtureDir, relations, cacheDir, threshold: 0 });
    try {
      const triples = await always.extractAll({ text, entities: ['Marie Curie', 'Pierre Curie', { start: 36, end: 41 }, 'Marie Curie'] });
      // The repeated entity is the same span, so 3 distinct entities give 6 ordered pairs.
      expect(triples).toHaveLength(6);
      const pairs = triples.map((triple) => `${triple.head.text}->${triple.tail.text}`);
      expect(new Set(pairs).size).toBe(6);
      expect(pairs).toContain('Paris->Marie Curie');
      expect(triples.every((triple) => relations.some((relation) => relation.id === triple.relation.id))).toBe(true);
      const none = await createExtractor({ model: fixtureDir, relations, cacheDir, threshold: 1 });
      expect(await none.extractAll({ text, entities: ['Marie Curie', 'Paris'] })).toEqual([]);
      await none.dispose();
    } finally {
      await always.dispose();
    }
  });

  it('reports an entity that is not in the text by its position', async () => {
    const error = await failure(extractor.extractAll({ text, entities: ['Marie Curie', 'Einstein'] }));
    expect(error.code).toBe('ENTITY_NOT_FOUND');
    expect(error.message).toContain('entity 1 "Einstein"');
  });
});

describe('input errors through the API', () => {
  it.each([
    ['EMPTY_TEXT', { text: '  ', head: 'a', tail: 'b' }],
    ['ENTITY_NOT_FOUND', { text, head: 'Marie Curie', tail: 'Bob' }],
    ['ENTITY_OVERLAP', { text, head: 'Marie Curie', tail: { text: 'Marie Curie', occurrence: 0 } }],
    ['ENTITY_OVERLAP', { text, head: 'Marie Curie', tail: { start: 6, end: 19 } }],
    ['EMPTY_ENTITY', { text, head: 'Marie Curie', tail: { start: 11, end: 12 } }],
    ['SPAN_OUT_OF_RANGE', { text, head: 'Marie Curie', tail: { start: 40, end: 400 } }],
    ['INVALID_INPUT', { text, head: 'Marie Curie' }],
  ] as const)('%s', async (code, item) => {
    const error = await failure(extractor.extract(item as never));
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(20);
  });

  it('rejects bad options with INVALID_INPUT naming the field', async () => {
    const error = await failure(createExtractor({ relations, model: fixtureDir, precision: 'int4' as never }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('"precision"');
    const recall = await failure(createExtractor({ relations, model: fixtureDir, cacheDir, topK: 3, recallK: 2 }));
    expect(recall.code).toBe('INVALID_INPUT');
    expect(recall.message).toMatch(/recallK/);
  });

  it('passes relation errors through from loadRelations', async () => {
    expect((await failure(createExtractor({ relations: [], model: fixtureDir, cacheDir }))).code).toBe('EMPTY_RELATIONS');
    const duplicate = [relations[0] as Relation, relations[0] as Relation];
    expect((await failure(createExtractor({ relations: duplicate, model: fixtureDir, cacheDir }))).code).toBe('DUPLICATE_RELATION_ID');
  });
});

describe('label index cache', () => {
  it('reuses a valid index and rebuilds a stale or corrupt one', async () => {
    const dir = await tempDir('zsre-cache-');
    try {
      const first = await createExtractor({ model: fixtureDir, relations, cacheDir: dir });
      const item = { text, head: 'Marie Curie', tail: 'Pierre Curie' };
      const before = await first.extract(item);
      await first.dispose();
      const files = async (): Promise<string[]> => (await readdir(path.join(dir, 'labels'))).filter((name) => name.endsWith('.vectors')).sort();
      expect(await files()).toHaveLength(1);

      // Same model and relations: same file, same scores.
      const again = await createExtractor({ model: fixtureDir, relations, cacheDir: dir });
      expect((await again.extract(item)).candidates).toEqual(before.candidates);
      await again.dispose();
      expect(await files()).toHaveLength(1);

      // One description changed: a new fingerprint, so a new index; the old one is not reused.
      const changed = relations.map((relation) => (relation.id === 'P26' ? { ...relation, description: 'a completely different text about rivers' } : relation));
      const stale = await createExtractor({ model: fixtureDir, relations: changed, cacheDir: dir });
      const afterChange = await stale.extract({ ...item });
      await stale.dispose();
      expect(await files()).toHaveLength(2);
      const biOf = (result: typeof before, id: string): number | undefined => result.candidates.find((candidate) => candidate.id === id)?.biScore;
      const p26Before = (await extractRelations([item], { model: fixtureDir, relations, cacheDir: dir, topK: 5 }))[0];
      const p26After = (await extractRelations([item], { model: fixtureDir, relations: changed, cacheDir: dir, topK: 5 }))[0];
      expect(p26Before && biOf(p26Before, 'P26')).not.toBeCloseTo((p26After && biOf(p26After, 'P26')) ?? 0, 6);
      expect(afterChange.candidates.length).toBe(3);

      // A corrupt index file is rebuilt silently and gives the same results as before.
      for (const name of await files()) {
        const file = path.join(dir, 'labels', name);
        const bytes = await readFile(file);
        bytes.fill(0, bytes.length - 64);
        await writeFile(file, bytes);
      }
      const repaired = await createExtractor({ model: fixtureDir, relations, cacheDir: dir });
      expect((await repaired.extract(item)).candidates).toEqual(before.candidates);
      await repaired.dispose();
      // ... and its file was rewritten whole.
      const valid = await Promise.all(
        (await files()).map(async (name) => decodeVectors(await readFile(path.join(dir, 'labels', name)), name.replace('.vectors', ''), repaired.model.manifest.vectorSize)),
      );
      expect(valid.filter((vectors) => vectors !== null)).toHaveLength(1); // the current set; the stale one stays corrupt
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('HNSW and exact indexes give the same candidates', async () => {
    // Same batch size as `extractor`, so that int8 batches are identical too.
    const hnsw = await createExtractor({ model: fixtureDir, relations, cacheDir, index: 'hnsw', batchSize: 2 });
    try {
      const item = { text, head: 'Paris', tail: 'France' };
      expect((await hnsw.extract(item)).candidates).toEqual((await extractor.extract(item)).candidates);
    } finally {
      await hnsw.dispose();
    }
  });
});

describe('dispose', () => {
  it('refuses use after dispose with DISPOSED, and a second dispose is harmless', async () => {
    const short = await createExtractor({ model: fixtureDir, relations, cacheDir });
    await short.dispose();
    await short.dispose();
    const error = await failure(short.extract({ text, head: 'Marie Curie', tail: 'Paris' }));
    expect(error.code).toBe('DISPOSED');
    expect(error.message).toMatch(/createExtractor/);
    expect((await failure(short.extractAll({ text, entities: ['Paris', 'France'] }))).code).toBe('DISPOSED');
  });
});
