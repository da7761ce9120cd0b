/**
 * The example rule's common direction (src/examples/adapt.ts `commonDirection`): examples move a
 * description only orthogonally to the direction every marked sentence shares, so teaching a
 * relation does not raise every sentence's score alike. A synthetic space where every sentence
 * leans along one shared direction, as the bi-encoder's do; and the manifest field's checks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adaptDescriptions, type ExampleRule, type TaughtRelation } from '../src/examples/adapt.js';
import { exactSearch } from '../src/labels/exact.js';
import { createExtractor, isZsreError, type Relation } from '../src/index.js';
import { seededRandom } from '../benchmarks/lib/fewshotEpisodes.js';
import { copyFixture, editManifest, fixtureReady } from './helpers/modelDir.js';

const dim = 24;
const relations = 5;
const shots = 10;
const biWeight = 21.9;
const noneBias = 9;

function unit(values: ArrayLike<number>): Float32Array {
  const list = Array.from(values);
  const norm = Math.sqrt(list.reduce((sum, value) => sum + value * value, 0));
  return Float32Array.from(list, (value) => value / norm);
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((sum, value, i) => sum + value * (b[i] as number), 0);

const random = seededRandom(5);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const shared = unit(Array.from({ length: dim }, gaussian));
// A sentence of relation r: the shared direction, its relation's own direction, noise.
const own = Array.from({ length: relations + 3 }, () => unit(Array.from({ length: dim }, gaussian)));
const sentence = (r: number) => unit(Array.from({ length: dim }, (_, i) => 1.2 * (shared[i] as number) + 0.8 * (own[r]?.[i] as number) + 0.3 * gaussian()));
// Descriptions: weakly their relation's own direction, and not along the shared one.
const descriptions = Array.from({ length: relations }, (_, r) => unit(Array.from({ length: dim }, (_, i) => 0.6 * (own[r]?.[i] as number) + 0.5 * gaussian())));
const taught: TaughtRelation[] = Array.from({ length: relations }, (_, index) => ({ index, described: true, vectors: Array.from({ length: shots }, () => sentence(index)) }));
const table = new Float32Array(relations * dim);
descriptions.forEach((vector, row) => table.set(vector, row * dim));
const space = { vector: (index: number) => descriptions[index] as Float32Array, search: (query: Float32Array, k: number) => exactSearch(table, dim, query, k) };
const scale = { biWeight, noneLogit: () => noneBias };
const rule: ExampleRule = { strength: 30, nameOnlyStrength: 3, steps: 100, competitors: 4 };
// The direction a model would ship: the mean of many sentences of relations outside the set.
const mean = new Float64Array(dim);
for (let i = 0; i < 200; i += 1) sentence(relations + (i % 3)).forEach((value, d) => (mean[d] = (mean[d] as number) + value / 200));
const withDirection: ExampleRule = { ...rule, commonDirection: Array.from(mean) };

describe('adaptDescriptions with a common direction', () => {
  const free = adaptDescriptions(taught, space, scale, rule);
  const held = adaptDescriptions(taught, space, scale, withDirection);
  const direction = unit(mean);

  it('moves every description only orthogonally to the direction', () => {
    for (let r = 0; r < relations; r += 1) {
      const moved = Array.from(held.get(r) as Float32Array, (value, i) => value - (descriptions[r]?.[i] as number));
      expect(Math.abs(dot(moved, direction))).toBeLessThan(1e-5);
      // It does move: the examples still teach.
      expect(Math.sqrt(dot(moved, moved))).toBeGreaterThan(0.05);
    }
    // Without the direction the examples pull descriptions along it.
    const freeMove = Array.from(free.get(0) as Float32Array, (value, i) => value - (descriptions[0]?.[i] as number));
    expect(dot(freeMove, direction)).toBeGreaterThan(0.05);
  });

  it('raises the scores of sentences of other relations less, and teaches as much', () => {
    const outside = Array.from({ length: 60 }, (_, i) => sentence(relations + (i % 3)));
    const top = (adapted: Map<number, Float32Array>, query: Float32Array) => Math.max(...Array.from({ length: relations }, (_, r) => dot(adapted.get(r) as Float32Array, query)));
    const meanTop = (adapted: Map<number, Float32Array>) => outside.reduce((sum, query) => sum + top(adapted, query), 0) / outside.length;
    const before = outside.reduce((sum, query) => sum + Math.max(...descriptions.map((d) => dot(d, query))), 0) / outside.length;
    expect(meanTop(held) - before).toBeLessThan(0.5 * (meanTop(free) - before));
    let right = 0;
    const queries = Array.from({ length: 50 }, (_, i) => ({ gold: i % relations, vector: sentence(i % relations) }));
    for (const { gold, vector } of queries) {
      const scores = Array.from({ length: relations }, (_, r) => dot(held.get(r) as Float32Array, vector));
      right += scores.indexOf(Math.max(...scores)) === gold ? 1 : 0;
    }
    let freeRight = 0;
    let descRight = 0;
    for (const { gold, vector } of queries) {
      const scores = Array.from({ length: relations }, (_, r) => dot(free.get(r) as Float32Array, vector));
      freeRight += scores.indexOf(Math.max(...scores)) === gold ? 1 : 0;
      const d = descriptions.map((x) => dot(x, vector));
      descRight += d.indexOf(Math.max(...d)) === gold ? 1 : 0;
    }
    // The examples still teach: far more right than the descriptions alone, no fewer than without the direction.
    expect(right).toBeGreaterThan(descRight + 10);
    expect(right).toBeGreaterThanOrEqual(freeRight);
  });

  it('gives the same bits for the same examples, and only the direction (not its length) matters', () => {
    const again = adaptDescriptions(taught, space, scale, withDirection);
    const scaled = adaptDescriptions(taught, space, scale, { ...withDirection, commonDirection: Array.from(mean, (value) => value * 3) });
    for (let r = 0; r < relations; r += 1) {
      expect(again.get(r)).toEqual(held.get(r));
      (scaled.get(r) as Float32Array).forEach((value, i) => expect(value).toBeCloseTo((held.get(r) as Float32Array)[i] as number, 5));
    }
  });
});

describe.skipIf(!fixtureReady)('fusion.examples.commonDirection in a manifest', () => {
  const relations: Relation[] = [{ id: 'spouse', name: 'spouse', description: 'the two people are married' }];
  const withField = async (value: unknown) => {
    const dir = await copyFixture();
    await editManifest(dir, (manifest) => {
      (manifest.fusion as Record<string, unknown>).examples = { strength: 30, nameOnlyStrength: 3, steps: 100, competitors: 8, ...(value === undefined ? {} : { commonDirection: value }) };
    });
    return dir;
  };
  const vectorSize = (JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', 'tiny-model', 'manifest.json'), 'utf8')) as { vectorSize: number }).vectorSize;

  it.each([
    ['the wrong size', [1, 2, 3], 'fusion.examples.commonDirection has 3 numbers'],
    ['all zeros', 'zeros', 'fusion.examples.commonDirection is all zeros'],
  ])('a direction of %s is MODEL_INVALID naming the field', async (_, value, message) => {
    const dir = await withField(value === 'zeros' ? new Array<number>(vectorSize).fill(0) : value);
    const error = await createExtractor({ model: dir, relations }).then(() => null, (e: unknown) => e);
    expect(isZsreError(error) && error.code).toBe('MODEL_INVALID');
    expect((error as Error).message).toContain(message);
  });

  it('a direction of the vector size loads, and taught relations are scored with it', async () => {
    const taughtRelations = [{ ...relations[0]!, examples: [{ text: 'Ann married Bob.', head: 'Ann', tail: 'Bob' }, { text: 'Eve wed Sam in Rome.', head: 'Eve', tail: 'Sam' }] }, { id: 'employer', name: 'employer', description: 'works for' }];
    const scoreOf = async (dir: string) => {
      const extractor = await createExtractor({ model: dir, relations: taughtRelations, index: 'exact', useCrossEncoder: false });
      try {
        const result = await extractor.extract({ text: 'Carl married Dana in 1990.', head: 'Carl', tail: 'Dana' });
        return result.candidates.find((candidate) => candidate.id === 'spouse')?.biScore;
      } finally {
        await extractor.dispose();
      }
    };
    const held = await scoreOf(await withField(Array.from({ length: vectorSize }, (_, i) => (i % 2 === 0 ? 1 : -1))));
    const free = await scoreOf(await withField(undefined));
    expect(held).toBeTypeOf('number');
    expect(free).toBeTypeOf('number');
    expect(held).not.toBe(free);
  });
});
