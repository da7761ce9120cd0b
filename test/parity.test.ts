import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBiEncoder } from '../src/encoders/biEncoder.js';
import { createGraphSession, type GraphSession } from '../src/encoders/session.js';
import { createExtractor, isZsreError, type Extractor, type Relation } from '../src/index.js';
import { loadModelDirectory, type ModelDirectory } from '../src/model/loadModel.js';
import { prepareItem } from '../src/pipeline/prepare.js';
import { loadTokenizer, type TextTokenizer } from '../src/tokenizer/load.js';
import { buildDescriptionSequence, descriptionText } from '../src/tokenizer/sequences.js';
import { fixtureDir as committedFixture, tempDir } from './helpers/modelDir.js';

// ZSRE_PARITY_MODEL points the check at another exported directory (CI: the model the smoke test
// just trained and exported; by hand: any export that still has its fp32 graphs and parity.json).
// Without it, both committed fixtures: the [CLS] cross-encoder and the marker-pooling one.
const markersFixture = path.resolve(import.meta.dirname, 'fixtures', 'tiny-model-markers');
const fixtureDirs = process.env.ZSRE_PARITY_MODEL ? [path.resolve(process.env.ZSRE_PARITY_MODEL)] : [committedFixture, markersFixture];

/**
 * The contract's parity check: the fp32 fixture run through this library's own pipeline must
 * reproduce the Python reference (training/zsre_train/parity.py): token ids exactly, vectors and
 * scores within the stated tolerance, and the same candidates and relation.
 */
interface Parity {
  tolerance: number;
  relations: { id: string; name: string; description: string | null }[];
  items: { tokens: string[]; head: number[]; tail: number[] }[];
  sentenceInputIds: number[][];
  descriptionInputIds: number[][];
  headIndex: number[];
  tailIndex: number[];
  sentenceVectors: number[][];
  descriptionVectors: number[][];
  topK: number;
  candidates: { id: string; biScore: number; crossScore: number; probability: number }[][];
  relation: (string | null)[];
}

describe.each(fixtureDirs)('parity with the Python reference: %s', (fixtureDir) => {
  const parity = JSON.parse(readFileSync(path.join(fixtureDir, 'parity.json'), 'utf8')) as Parity;
  // parity.json writes a missing description as null; the public Relation type leaves it out.
  const relations: Relation[] = parity.relations.map(({ id, name, description }) => (description === null ? { id, name } : { id, name, description }));

  let model: ModelDirectory;
  let tokenizer: TextTokenizer;
  let session: GraphSession;
  let extractor: Extractor;
  let cacheDir: string;

  beforeAll(async () => {
    model = await loadModelDirectory(fixtureDir, 'fp32', { crossEncoder: true });
    tokenizer = await loadTokenizer(fixtureDir, model.manifest);
    session = await createGraphSession(model.graphs.biEncoder?.path ?? '', model.manifest.graphs.biEncoder, { threads: 2, label: 'bi-encoder' });
    cacheDir = await tempDir('zsre-parity-');
    // Parity is about the scoring chain: every candidate re-scored (a model may carry an adaptive gate).
    extractor = await createExtractor({ model: fixtureDir, precision: 'fp32', relations, topK: parity.topK, index: 'exact', cacheDir, rerank: 'always' });
  });

  afterAll(async () => {
    await session?.release();
    await extractor?.dispose();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
    expect(actual.length, what).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < expected.length; i += 1) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
    expect(worst, `${what}: max abs difference`).toBeLessThanOrEqual(parity.tolerance);
  }

  describe('fp32 graphs through the library', () => {
    it('has a non-trivial reference', () => {
      expect(parity.items.length).toBeGreaterThanOrEqual(6);
      expect(parity.relations.some((relation) => relation.description === null)).toBe(true);
    });

    // Exports from before issue 20 hold one nested item whose inner entity starts past the window,
    // which the Python reference then encoded as an empty marker pair. Both the runtime and the
    // reference (NestedEntityCut) now refuse such a pair; the item is checked to be exactly that
    // case and left out of the comparisons below. Newer exports no longer contain one.
    const refusedIndexes = (): Set<number> => {
      const refused = new Set<number>();
      parity.items.forEach((item, index) => {
        try {
          prepareItem(item, tokenizer, model.manifest.maxLength.sentence);
        } catch (error) {
          if (!isZsreError(error) || error.code !== 'NESTED_ENTITY_CUT') throw error;
          refused.add(index);
        }
      });
      return refused;
    };
    const answered = () => {
      const refused = refusedIndexes();
      return parity.items.map((item, index) => ({ item, index })).filter(({ index }) => !refused.has(index));
    };

    it('refuses only nested items that the reference encoded with an empty inner marker pair (NESTED_ENTITY_CUT)', () => {
      const { headStart, headEnd, tailStart, tailEnd } = tokenizer.special;
      for (const index of refusedIndexes()) {
        const ids = parity.sentenceInputIds[index] ?? [];
        const item = parity.items[index] as Parity['items'][number];
        const tailInside = item.head[0]! <= item.tail[0]! && item.tail.at(-1)! <= item.head.at(-1)!;
        const [open, close] = tailInside ? [tailStart, tailEnd] : [headStart, headEnd];
        const empty = [...open, ...close];
        const found = ids.some((_, at) => empty.every((id, offset) => ids[at + offset] === id));
        expect(found, `item ${index}: the reference's inner markers enclose nothing`).toBe(true);
      }
      expect(answered().length).toBeGreaterThanOrEqual(parity.items.length - 1);
    });

    it('reproduces sentence token ids and marker positions exactly, windowing included', () => {
      answered().forEach(({ item, index }) => {
        const prepared = prepareItem(item, tokenizer, model.manifest.maxLength.sentence);
        expect(prepared.sequence.ids, `item ${index}`).toEqual(parity.sentenceInputIds[index]);
        expect(prepared.sequence.headIndex, `item ${index} head`).toBe(parity.headIndex[index]);
        expect(prepared.sequence.tailIndex, `item ${index} tail`).toBe(parity.tailIndex[index]);
      });
    });

    it('reproduces description token ids exactly', () => {
      relations.forEach((relation, index) => {
        const ids = buildDescriptionSequence(tokenizer.encode(descriptionText(relation, model.manifest.description)), tokenizer.special, model.manifest.maxLength.description);
        expect(ids, relation.id).toEqual(parity.descriptionInputIds[index]);
      });
    });

    it('reproduces sentence and description vectors within tolerance', async () => {
      const biEncoder = createBiEncoder(session, { padId: tokenizer.special.pad, batchSize: 8 });
      const kept = answered();
      const sentences = await biEncoder.encodeSentences(kept.map(({ item }) => prepareItem(item, tokenizer, model.manifest.maxLength.sentence).sequence));
      sentences.forEach((vector, position) => {
        const { index } = kept[position] as { index: number };
        expectClose(vector, parity.sentenceVectors[index] ?? [], `sentence vector ${index}`);
      });
      const descriptions = await biEncoder.encodeDescriptions(parity.descriptionInputIds);
      descriptions.forEach((vector, index) => expectClose(vector, parity.descriptionVectors[index] ?? [], `description vector ${index}`));
    });

    it('reproduces the candidates, their scores and probabilities, and the relation', async () => {
      const kept = answered();
      const results = await extractor.extractBatch(kept.map(({ item }) => item));
      results.forEach((result, position) => {
        const { index } = kept[position] as { index: number };
        const expected = parity.candidates[index] ?? [];
        // The reference lists candidates by biScore; results list them by probability.
        const byBi = [...result.candidates].sort((a, b) => b.biScore - a.biScore);
        expect(byBi.map((candidate) => candidate.id), `item ${index} candidates`).toEqual(expected.map((candidate) => candidate.id));
        expectClose(byBi.map((candidate) => candidate.biScore), expected.map((candidate) => candidate.biScore), `item ${index} biScore`);
        expectClose(byBi.map((candidate) => candidate.crossScore ?? Number.NaN), expected.map((candidate) => candidate.crossScore), `item ${index} crossScore`);
        expectClose(byBi.map((candidate) => candidate.probability), expected.map((candidate) => candidate.probability), `item ${index} probability`);
        expect(result.relation?.id ?? null, `item ${index} relation`).toBe(parity.relation[index]);
        // The same best candidate even where the threshold abstains (first on ties, as numpy's argmax).
        const best = expected.reduce((top, candidate) => (candidate.probability > top.probability ? candidate : top), expected[0] ?? { id: '', probability: -1 });
        expect(result.candidates[0]?.id, `item ${index} best candidate`).toBe(best.id);
      });
    });
  });
});
