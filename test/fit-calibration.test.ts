/**
 * fitCalibration (src/calibration/): a "no relation" calibration fitted on a user's own labelled
 * pairs, then used with createExtractor({ calibration }). The shipped model and 200 FewRel
 * sentences of 16 relations (test/fixtures/web-parity/fewrel-200.json): the user's relation set is
 * 8 of them, so the other 8 relations' sentences hold none of it. Fitted on half the sentences,
 * checked on the other half.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationFileSchema, createExtractor, fitCalibration, isZsreError, type CalibrationFile, type Extractor, type LabelledPair, type Relation } from '../src/index.js';

interface Fixture {
  relations: Relation[];
  items: { tokens: string[]; head: number[]; tail: number[]; gold: string }[];
}
const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', 'web-parity', 'fewrel-200.json'), 'utf8')) as Fixture;
const relations = fixture.relations.slice(0, 8);
const ids = new Set(relations.map((relation) => relation.id));
const labelled: LabelledPair[] = fixture.items.map(({ tokens, head, tail, gold }) => ({ tokens, head, tail, relation: ids.has(gold) ? gold : null }));
const fitPart = labelled.filter((_, index) => index % 2 === 0);
const checkPart = labelled.filter((_, index) => index % 2 === 1);
// fewer cross-scored pairs than this and the fused block could not be fitted on its own (MIN_GROUPS in fitCalibration.ts is 8).
const MIN_FUSED = 8;

async function rejection(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    if (isZsreError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('fitCalibration', () => {
  let cacheDir: string;
  let plain: Extractor;
  let calibration: CalibrationFile;
  let progress: string[];
  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'zsre-fit-calibration-'));
    plain = await createExtractor({ relations, cacheDir, index: 'exact' });
    progress = [];
    calibration = await fitCalibration(plain, fitPart, { precision: 0.9, onProgress: ({ stage, done, total }) => progress.push(`${stage} ${done}/${total}`) });
  }, 600_000);
  afterAll(async () => {
    await plain?.dispose();
  });

  it('returns a calibration of this model and relation set, with what it was fitted on', () => {
    expect(calibrationFileSchema.parse(calibration)).toEqual(calibration);
    expect(calibration.model).toEqual({ name: plain.model.manifest.name, manifestSha256: (plain.model.manifest as { manifestSha256: string }).manifestSha256 });
    expect(calibration.relations).toEqual(relations.map((relation) => relation.id));
    expect(calibration.noneVector.weights).toHaveLength(plain.model.manifest.vectorSize);
    expect(calibration.fittedOn).toMatchObject({ pairs: 100, related: fitPart.filter((pair) => pair.relation !== null).length, groups: 100, precisionTarget: 0.9, folds: 4 });
    // The threshold is read off held-out folds and meets the precision there.
    const outOfFold = calibration.fittedOn['outOfFold'] as Record<'fused' | 'biOnly', { atThreshold: { threshold: number; precision: number } }>;
    expect(outOfFold.fused.atThreshold.threshold).toBe(calibration.threshold);
    expect(outOfFold.fused.atThreshold.precision).toBeGreaterThanOrEqual(0.9);
    expect(outOfFold.biOnly.atThreshold.precision).toBeGreaterThanOrEqual(0.9);
    expect(progress).toContain('score 100/100');
    // 2 blocks x (5 none-vector L2 + 5 relation-bias L2 strengths) x 4 folds, and each block's final fit.
    expect(progress.at(-1)).toBe('fit 82/82');
    // Relation biases are kept only where they raised the held-out best F1; then they are the fitted relations'.
    const biasL2 = calibration.fittedOn['relationBiasL2'] as Record<'fused' | 'biOnly', number | null>;
    for (const [name, block] of [['fused', calibration], ['biOnly', calibration.biOnly]] as const) {
      expect(block.relationBiases === undefined).toBe(biasL2[name] === null);
      for (const id of Object.keys(block.relationBiases ?? {})) expect(ids.has(id)).toBe(true);
    }
  });

  it('is used by createExtractor({ calibration }): fewer wrong answers on sentences it never saw', async () => {
    const calibrated = await createExtractor({ relations, cacheDir, index: 'exact', calibration });
    try {
      const items = checkPart.map(({ relation: _relation, ...item }) => item);
      const [before, after] = await Promise.all([plain.extractBatch(items), calibrated.extractBatch(items)]);
      const wrong = (results: typeof before): number => results.filter((result, index) => result.relation !== null && result.relation.id !== checkPart[index]?.relation).length;
      expect(wrong(after)).toBeLessThan(wrong(before));
      // A JSON round trip (a calibration file) gives the same answers.
      const reloaded = await createExtractor({ relations, cacheDir, index: 'exact', calibration: JSON.parse(JSON.stringify(calibration)) as CalibrationFile });
      try {
        expect(await reloaded.extractBatch(items.slice(0, 10))).toEqual(after.slice(0, 10));
      } finally {
        await reloaded.dispose();
      }
    } finally {
      await calibrated.dispose();
    }
  }, 300_000);

  it('refuses it for another relation set or another model, saying what to do', async () => {
    const other = await rejection(createExtractor({ relations: fixture.relations.slice(0, 9), cacheDir, index: 'exact', calibration }));
    expect(other.code).toBe('INVALID_INPUT');
    expect(other.message).toMatch(/fitted for another relation set \(not fitted with "P\d+"\).*fit it again/);
    const model = await rejection(createExtractor({ relations, cacheDir, index: 'exact', calibration: { ...calibration, model: { name: 'zsre-minilm-l6-general', manifestSha256: 'f'.repeat(64) } } }));
    expect(model.message).toMatch(/fitted for model zsre-minilm-l6-general \(manifest ffffffffffff\).*fit it again with this model/);
    const unknown = await rejection(createExtractor({ relations, cacheDir, index: 'exact', calibration: { ...calibration, thresholds: 0.5 } as CalibrationFile }));
    expect(unknown.message).toMatch(/thresholds/);
    const strayBias = await rejection(createExtractor({ relations, cacheDir, index: 'exact', calibration: { ...calibration, biOnly: { ...calibration.biOnly, relationBiases: { P999: -1 } } } }));
    expect(strayBias.code).toBe('INVALID_INPUT');
    expect(strayBias.message).toMatch(/P999.*not one of the file's relations/);
  });

  it('refuses bad labelled pairs with the pair and the fix named', async () => {
    const unknownId = await rejection(fitCalibration(plain, [{ ...fitPart[0], relation: 'P999' } as LabelledPair, ...fitPart.slice(1)]));
    expect(unknownId.message).toMatch(/labelled pair 0: relation "P999" is not one of the extractor's relations/);
    const unknownField = await rejection(fitCalibration(plain, [...fitPart.slice(0, 3), { ...fitPart[3], label: 'x' } as unknown as LabelledPair]));
    expect(unknownField.message).toMatch(/labelled pair 3: unknown field "label"/);
    const missing = await rejection(fitCalibration(plain, [{ tokens: ['a'], head: [0], tail: [0] } as unknown as LabelledPair]));
    expect(missing.message).toMatch(/labelled pair 0: "relation" is missing/);
    const badItem = await rejection(fitCalibration(plain, [...fitPart.slice(0, 9), { text: 'No such entity here.', head: 'Ada', tail: 'London', relation: null }]));
    expect(badItem.message).toMatch(/^Item 9: The head entity "Ada" was not/);
    const few = await rejection(fitCalibration(plain, fitPart.slice(0, 5)));
    expect(few.message).toMatch(/at least 8 different texts/);
    const noNone = await rejection(fitCalibration(plain, fitPart.filter((pair) => pair.relation !== null).slice(0, 12)));
    expect(noNone.message).toMatch(/both pairs that hold a relation and pairs labelled null/);
    const precision = await rejection(fitCalibration(plain, fitPart, { precision: 1.5 }));
    expect(precision.message).toMatch(/precision must lie between 0 and 1/);
  });
});

describe('fitCalibration with relations taught by examples', () => {
  // A pair with a taught relation among its candidates is fused bi-only at run time (rerank.ts),
  // with the bi-only block: so the fused block is fitted on the other pairs only.
  const unlabelled = fitPart.map(({ relation: _relation, ...item }) => item);
  const examplesOf = (id: string) =>
    fitPart
      .filter((pair) => pair.relation === id)
      .slice(0, 2)
      .map(({ relation: _relation, ...item }) => item);
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'zsre-fit-calibration-taught-'));
  });

  it('fits the fused block on the pairs the cross-encoder scores; the others count for the bi-only block only', async () => {
    const first = relations[0] as Relation;
    const taught = relations.map((relation) => (relation.id === first.id ? { ...relation, examples: examplesOf(first.id) } : relation));
    const extractor = await createExtractor({ relations: taught, cacheDir, index: 'exact', rerank: 'always' });
    try {
      const reranked = (await extractor.extractBatch(unlabelled)).filter((result) => result.reranked).length;
      // Some pairs have the taught relation among their candidates, some do not.
      expect(reranked).toBeGreaterThan(MIN_FUSED);
      expect(reranked).toBeLessThan(fitPart.length);
      const calibration = await fitCalibration(extractor, fitPart, { precision: 0.8 });
      expect(calibration.fittedOn).toMatchObject({ pairs: fitPart.length, fusedPairs: reranked });
      expect(calibration.noneVector).not.toEqual(calibration.biOnly.noneVector);
    } finally {
      await extractor.dispose();
    }
  }, 600_000);

  it('with every relation taught, the fused block is the bi-only block', async () => {
    const taught = relations.map((relation) => ({ ...relation, examples: examplesOf(relation.id) }));
    const extractor = await createExtractor({ relations: taught, cacheDir, index: 'exact' });
    try {
      const progress: string[] = [];
      const calibration = await fitCalibration(extractor, fitPart, { precision: 0.8, onProgress: ({ stage, done, total }) => progress.push(`${stage} ${done}/${total}`) });
      expect(calibration.fittedOn['fusedPairs']).toBe(0);
      expect(calibration.noneVector).toEqual(calibration.biOnly.noneVector);
      expect(calibration.threshold).toBe(calibration.biOnly.threshold);
      expect(calibration.relationBiases).toEqual(calibration.biOnly.relationBiases);
      // One block fitted: (5 none-vector L2 + 5 relation-bias L2 strengths) x 4 folds, and its final fit.
      expect(progress.at(-1)).toBe('fit 41/41');
    } finally {
      await extractor.dispose();
    }
  }, 600_000);
});
