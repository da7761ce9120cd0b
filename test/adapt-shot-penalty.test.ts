/**
 * The example rule's shot penalty (src/examples/adapt.ts `shotPenalty`, `nameOnlyShotPenalty` and
 * their bases): a taught relation's logit is lowered by base + penalty x ln(1 + K), so that the probabilities of relations
 * fitted to their own examples are not overconfident. The offset itself, its place in the recall
 * step, the fit that chooses it (benchmarks/lib/fewshotEpisodes.ts), and the manifest fields.
 */
import { describe, expect, it } from 'vitest';
import { type ExampleRule, shotOffset } from '../src/examples/adapt.js';
import { exampleState } from '../src/examples/exampleState.js';
import { withExamples } from '../src/pipeline/recall.js';
import { exactSearch } from '../src/labels/exact.js';
import { createExtractor, isZsreError, type Relation } from '../src/index.js';
import { drawEpisodes, fitRule, seededRandom, shotPenaltyBaseGrid, shotPenaltyGrid, type VectorPool } from '../benchmarks/lib/fewshotEpisodes.js';
import { copyFixture, editManifest, fixtureReady } from './helpers/modelDir.js';

const rule: ExampleRule = { strength: 30, nameOnlyStrength: 3, steps: 100, competitors: 4 };

describe('shotOffset', () => {
  it('is penalty x ln(1 + K) over biWeight, with the name-only penalty for a relation without a description', () => {
    const penalised = { ...rule, shotPenalty: 1.5, nameOnlyShotPenalty: 0.5 };
    expect(shotOffset(penalised, 5, true, 20)).toBeCloseTo((1.5 * Math.log(6)) / 20, 12);
    expect(shotOffset(penalised, 5, false, 20)).toBeCloseTo((0.5 * Math.log(6)) / 20, 12);
    expect(shotOffset(penalised, 1, true, 20)).toBeLessThan(shotOffset(penalised, 10, true, 20));
  });

  it('is relieved by "no relation" examples: max(0, penalty x ln(1 + K) - relief x ln(1 + N))', () => {
    const relieved = { ...rule, shotPenalty: 1.5, noneRelief: 0.5 };
    expect(shotOffset(relieved, 5, true, 20, 4)).toBeCloseTo((1.5 * Math.log(6) - 0.5 * Math.log(5)) / 20, 12);
    expect(shotOffset(relieved, 5, true, 20, 0)).toBeCloseTo((1.5 * Math.log(6)) / 20, 12);
    // Never below 0: many "no relation" examples do not raise a taught relation.
    expect(shotOffset(relieved, 1, true, 20, 1000)).toBe(0);
    expect(shotOffset(rule, 5, true, 20, 4)).toBe(0);
  });

  it('adds the base, which does not grow with K: base + penalty x ln(1 + K), each kind its own', () => {
    const based = { ...rule, shotPenalty: 1.5, shotPenaltyBase: 1, nameOnlyShotPenalty: 0.5, nameOnlyShotPenaltyBase: 2, noneRelief: 0.5 };
    expect(shotOffset(based, 5, true, 20)).toBeCloseTo((1 + 1.5 * Math.log(6)) / 20, 12);
    expect(shotOffset(based, 5, false, 20)).toBeCloseTo((2 + 0.5 * Math.log(6)) / 20, 12);
    expect(shotOffset(based, 5, true, 20, 4)).toBeCloseTo((1 + 1.5 * Math.log(6) - 0.5 * Math.log(5)) / 20, 12);
    // A base alone is a penalty too; without examples there is none.
    expect(shotOffset({ ...rule, shotPenaltyBase: 1 }, 3, true, 20)).toBeCloseTo(1 / 20, 12);
    expect(shotOffset(based, 0, true, 20)).toBe(0);
  });

  it('is 0 without a penalty (models fitted before it) and without examples', () => {
    expect(shotOffset(rule, 10, true, 20)).toBe(0);
    expect(shotOffset({ ...rule, shotPenalty: 2 }, 0, true, 20)).toBe(0);
  });
});

// A small space: 3 relations, one taught with 4 examples.
const dim = 8;
const random = seededRandom(11);
const unit = (values: number[]) => {
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
  return Float32Array.from(values, (value) => value / norm);
};
const descriptions = Array.from({ length: 3 }, () => unit(Array.from({ length: dim }, () => random() - 0.5)));
const table = new Float32Array(3 * dim);
descriptions.forEach((vector, row) => table.set(vector, row * dim));
const examples = Array.from({ length: 4 }, () => unit(Array.from({ length: dim }, (_, i) => (descriptions[1]?.[i] as number) + 0.3 * (random() - 0.5))));
const context = (penalty: number) => ({
  descriptions: { vector: (index: number) => descriptions[index] as Float32Array, search: (query: Float32Array, k: number) => exactSearch(table, dim, query, k) },
  described: () => true,
  biOnlyFusion: { biWeight: 20, crossWeight: 0, noneLogit: 8, threshold: 0.5 },
  rule: { ...rule, shotPenalty: penalty },
});

describe('the recall step with a shot penalty', () => {
  it('lowers the taught relation\'s score by its offset and leaves the others alone', () => {
    const free = exampleState(new Map([[1, examples]]), [], context(0));
    const held = exampleState(new Map([[1, examples]]), [], context(2));
    expect(free.offsets.get(1)).toBe(0);
    expect(held.offsets.get(1)).toBeCloseTo((2 * Math.log(5)) / 20, 12);
    const sentence = examples[0] as Float32Array;
    const nearest = exactSearch(table, dim, sentence, 3);
    const before = new Map(withExamples(nearest, sentence, free).map((hit) => [hit.index, hit.score]));
    const after = new Map(withExamples(nearest, sentence, held).map((hit) => [hit.index, hit.score]));
    // The penalty changes no adapted vector: only the score, by exactly the offset.
    expect(held.adapted.get(1)).toEqual(free.adapted.get(1));
    expect((before.get(1) as number) - (after.get(1) as number)).toBeCloseTo(held.offsets.get(1) as number, 6);
    for (const index of [0, 2]) expect(after.get(index)).toBe(before.get(index));
  });

  it('counts the extractor\'s "no relation" examples in the relief', () => {
    const relieved = { ...context(2), rule: { ...rule, shotPenalty: 2, noneRelief: 1 } };
    const none = [descriptions[2] as Float32Array, descriptions[0] as Float32Array];
    const state = exampleState(new Map([[1, examples]]), none, relieved);
    expect(state.offsets.get(1)).toBeCloseTo((2 * Math.log(5) - Math.log(3)) / 20, 12);
  });
});

describe('fitRule chooses the shot penalty by likelihood', () => {
  // Relations whose sentences scatter widely around their direction, and sentences of other
  // relations as the "none" queries.
  const relations = 6;
  const directions = Array.from({ length: relations + 4 }, () => unit(Array.from({ length: 16 }, () => random() - 0.5)));
  const near = (r: number, spread: number) => unit(Array.from({ length: 16 }, (_, i) => (directions[r]?.[i] as number) + spread * (random() - 0.5)));
  const ids = Array.from({ length: relations }, (_, r) => `r${r}`);
  const sentences = new Map(ids.map((id, r) => [id, Array.from({ length: 40 }, () => near(r, 1.2))]));
  const pool: VectorPool = {
    name: 'synthetic',
    relations: ids,
    description: new Map(ids.map((id, r) => [id, near(r, 0.6)])),
    support: sentences,
    query: sentences,
    outside: Array.from({ length: 200 }, (_, i) => near(relations + (i % 4), 1.2)),
  };
  const fusion = { biWeight: 12, crossWeight: 0, noneLogit: 6, threshold: 0.5 };
  const episodes = [1, 5, 10].flatMap((shots) => drawEpisodes(pool, { ways: 4, shots, queries: 2, noneRate: 0.5 }, 30, 100 + shots));

  it('takes none-of-the-above queries from the pool\'s other relations, and refuses an episode that leaves none out', () => {
    const { outside: _, ...own } = pool;
    // 5 of 6 relations in the episode: the sixth supplies the none queries (half of 10).
    const drawn = drawEpisodes(own, { ways: 5, shots: 1, queries: 2, noneRate: 0.5 }, 3, 7);
    for (const episode of drawn) {
      const noneQueries = episode.queries.filter((query) => query.gold === -1);
      expect(noneQueries).toHaveLength(10);
      const left = ids.find((id) => !episode.relations.includes(id)) as string;
      for (const query of noneQueries) expect(sentences.get(left)).toContain(query.vector);
    }
    // Every relation in the episode and no outside sentences: an error, not a closed-set episode.
    expect(() => drawEpisodes(own, { ways: 6, shots: 1, queries: 2, noneRate: 0.5 }, 1, 7)).toThrow(/0 sentences hold none of a 6-way episode's relations, 12 needed/);
    expect(() => drawEpisodes(own, { ways: 6, shots: 1, queries: 2, noneRate: 0, noneShots: 1 }, 1, 7)).toThrow(/draw fewer ways/);
  });

  it('reports the loss of every strength, base and penalty, and picks their minimum', () => {
    const fitted = fitRule(episodes, fusion, rule);
    const grid = fitted.losses.described;
    expect(Object.keys(grid['30'] ?? {}).sort()).toEqual(shotPenaltyBaseGrid.map(String).sort());
    expect(Object.keys(grid['30']?.['0'] ?? {}).sort()).toEqual(shotPenaltyGrid.map(String).sort());
    const best = Math.min(...Object.values(grid).flatMap((byBase) => Object.values(byBase).flatMap((row) => Object.values(row))));
    expect(grid[String(fitted.rule.strength)]?.[String(fitted.rule.shotPenaltyBase)]?.[String(fitted.rule.shotPenalty)]).toBe(best);
    expect(fitted.best.described).toEqual({ strength: fitted.rule.strength, base: fitted.rule.shotPenaltyBase, penalty: fitted.rule.shotPenalty, loss: best });
    expect(fitted.best.nameOnly).toBeNull();
    // Without name-only episodes the name-only pair stays as it was.
    expect(fitted.rule.nameOnlyStrength).toBe(rule.nameOnlyStrength);
    expect(fitted.rule.nameOnlyShotPenalty ?? 0).toBe(0);
    expect(fitted.rule.nameOnlyShotPenaltyBase ?? 0).toBe(0);
  });

  it('fits the relief on the episodes with "no relation" examples only', () => {
    const withNone = [1, 5].flatMap((shots) => drawEpisodes(pool, { ways: 4, shots, queries: 2, noneRate: 0.5, noneShots: shots }, 20, 300 + shots));
    const alone = fitRule(episodes, fusion, rule);
    const both = fitRule([...episodes, ...withNone], fusion, rule);
    // The strengths and penalties come from the episodes without them: the same either way.
    expect(both.rule.strength).toBe(alone.rule.strength);
    expect(both.rule.shotPenalty).toBe(alone.rule.shotPenalty);
    expect(Object.keys(both.losses.noneRelief).length).toBeGreaterThan(1);
    expect(both.losses.noneRelief[String(both.rule.noneRelief)]).toBe(Math.min(...Object.values(both.losses.noneRelief)));
    expect(alone.losses.noneRelief).toEqual({});
  });

  it('finds a base where the penalty a K needs does not grow with K', () => {
    // A "no relation" logit too low by the same amount whatever K: only a base fits that, so the
    // fit takes one over a slope alone.
    const flat = fitRule(episodes, { ...fusion, noneLogit: 3 }, rule);
    const calibrated = fitRule(episodes, fusion, rule);
    expect(flat.rule.shotPenaltyBase ?? 0).toBeGreaterThan(calibrated.rule.shotPenaltyBase ?? 0);
    // The chosen setting beats the best slope-only one (base 0) of the same grid.
    const slopeOnly = Math.min(...Object.values(flat.losses.described).flatMap((byBase) => Object.values(byBase['0'] ?? {})));
    expect(flat.best.described?.loss as number).toBeLessThan(slopeOnly);
  });

  it('gives a larger penalty where the "no relation" logit is set too low', () => {
    // The same episodes under a "no relation" logit far too low: every relation's probability is
    // too high, and only the penalty can lower the taught ones.
    const overconfident = fitRule(episodes, { ...fusion, noneLogit: 1 }, rule);
    expect((overconfident.rule.shotPenalty ?? 0) + (overconfident.rule.shotPenaltyBase ?? 0)).toBeGreaterThan(0);
    const calibrated = fitRule(episodes, fusion, rule);
    const total = (fitted: ExampleRule, shots: number) => (fitted.shotPenaltyBase ?? 0) + (fitted.shotPenalty ?? 0) * Math.log1p(shots);
    for (const shots of [1, 5, 10]) expect(total(overconfident.rule, shots)).toBeGreaterThan(total(calibrated.rule, shots));
  });
});

describe.skipIf(!fixtureReady)('fusion.examples.shotPenalty in a manifest', () => {
  const relations: Relation[] = [
    { id: 'spouse', name: 'spouse', description: 'the two people are married', examples: [{ text: 'Ann married Bob.', head: 'Ann', tail: 'Bob' }, { text: 'Eve wed Sam in Rome.', head: 'Eve', tail: 'Sam' }] },
    { id: 'employer', name: 'employer', description: 'works for' },
  ];
  const withPenalty = async (value: unknown) => {
    const dir = await copyFixture();
    await editManifest(dir, (manifest) => {
      (manifest.fusion as Record<string, unknown>).examples = { strength: 30, nameOnlyStrength: 3, steps: 100, competitors: 8, ...(value === undefined ? {} : { shotPenalty: value }) };
    });
    return dir;
  };
  const spouseOf = async (dir: string) => {
    const extractor = await createExtractor({ model: dir, relations, index: 'exact', useCrossEncoder: false });
    try {
      const result = await extractor.extract({ text: 'Carl married Dana in 1990.', head: 'Carl', tail: 'Dana' });
      return result.candidates.find((candidate) => candidate.id === 'spouse');
    } finally {
      await extractor.dispose();
    }
  };

  it('a negative penalty is MODEL_INVALID naming the field', async () => {
    const dir = await withPenalty(-1);
    const error = await createExtractor({ model: dir, relations }).then(() => null, (e: unknown) => e);
    expect(isZsreError(error) && error.code).toBe('MODEL_INVALID');
    expect((error as Error).message).toContain('shotPenalty');
  });

  it('a negative base is MODEL_INVALID naming the field', async () => {
    const dir = await copyFixture();
    await editManifest(dir, (manifest) => {
      (manifest.fusion as Record<string, unknown>).examples = { strength: 30, nameOnlyStrength: 3, steps: 100, competitors: 8, shotPenalty: 1, shotPenaltyBase: -0.5 };
    });
    const error = await createExtractor({ model: dir, relations }).then(() => null, (e: unknown) => e);
    expect(isZsreError(error) && error.code).toBe('MODEL_INVALID');
    expect((error as Error).message).toContain('shotPenaltyBase');
  });

  it('a penalty lowers the taught relation\'s score and probability', async () => {
    const free = await spouseOf(await withPenalty(undefined));
    const held = await spouseOf(await withPenalty(3));
    expect(free?.biScore).toBeTypeOf('number');
    expect((free?.biScore as number) - (held?.biScore as number)).toBeGreaterThan(0);
    expect(held?.probability as number).toBeLessThan(free?.probability as number);
  });
});
