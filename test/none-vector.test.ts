import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitDocuments } from '../benchmarks/lib/redocred.js';
import { createExtractor, isZsreError, type ExtractItem, type Relation } from '../src/index.js';
import { fuse, type FusionParams } from '../src/fusion/fuse.js';
import { copyFixture, editManifest, fixtureReady } from './helpers/modelDir.js';

/**
 * The learned none vector (training/fit_none_vector.py, issue 21): the runtime's fusion against the
 * Python reference's numbers (test/fixtures/none-vector-fusion.json, which
 * training/tests/test_none_vector.py keeps equal to what the reference computes), and a model
 * directory that carries one.
 */
interface FusionCase {
  params: Required<FusionParams>;
  vectors: number[][];
  bi: number[][];
  cross: number[][];
  probabilities: number[][];
  biOnlyProbabilities: number[][];
  relationBiases: number[];
  /** per candidate, its relation's index into relationBiases; -1 for a relation without one. */
  columns: number[][];
  biasedProbabilities: number[][];
  biasedBiOnlyProbabilities: number[][];
}
const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', 'none-vector-fusion.json'), 'utf8')) as FusionCase;

describe('fusion with a none vector', () => {
  it('gives the Python reference\'s probabilities, with and without cross scores', () => {
    fixture.vectors.forEach((vector, row) => {
      const sentence = Float32Array.from(vector);
      const bi = fixture.bi[row] as number[];
      const cross = fixture.cross[row] as number[];
      const fused = fuse(bi.map((biScore, j) => ({ biScore, crossScore: cross[j] as number })), fixture.params, sentence);
      const biOnly = fuse(bi.map((biScore) => ({ biScore, crossScore: null })), fixture.params, sentence);
      fused.probabilities.forEach((p, j) => expect(Math.abs(p - (fixture.probabilities[row]?.[j] as number))).toBeLessThan(1e-12));
      biOnly.probabilities.forEach((p, j) => expect(Math.abs(p - (fixture.biOnlyProbabilities[row]?.[j] as number))).toBeLessThan(1e-12));
    });
  });

  it('gives the Python reference\'s probabilities with relation biases, 0 for a relation without one', () => {
    const params = { ...fixture.params, relationBiases: fixture.relationBiases };
    // A relation the calibration has no bias for: an index past its biases.
    const relationOf = (column: number): number => (column < 0 ? fixture.relationBiases.length : column);
    fixture.vectors.forEach((vector, row) => {
      const sentence = Float32Array.from(vector);
      const bi = fixture.bi[row] as number[];
      const cross = fixture.cross[row] as number[];
      const columns = fixture.columns[row] as number[];
      const fused = fuse(bi.map((biScore, j) => ({ biScore, crossScore: cross[j] as number, relation: relationOf(columns[j] as number) })), params, sentence);
      const biOnly = fuse(bi.map((biScore, j) => ({ biScore, crossScore: null, relation: relationOf(columns[j] as number) })), params, sentence);
      fused.probabilities.forEach((p, j) => expect(Math.abs(p - (fixture.biasedProbabilities[row]?.[j] as number))).toBeLessThan(1e-12));
      biOnly.probabilities.forEach((p, j) => expect(Math.abs(p - (fixture.biasedBiOnlyProbabilities[row]?.[j] as number))).toBeLessThan(1e-12));
      // The biases change the probabilities (the fixture would not test them otherwise).
      expect(Math.abs((fused.probabilities[0] as number) - (fixture.probabilities[row]?.[0] as number))).toBeGreaterThan(1e-3);
    });
  });

  it('refuses relation biases for candidates without a relation index', () => {
    const params = { biWeight: 10, crossWeight: 0, noneLogit: 2, threshold: 0.5, relationBiases: [1] };
    expect(() => fuse([{ biScore: 0.5, crossScore: null }], params)).toThrow(/relation index/);
  });

  it('moves the none share, never the order of the relations', () => {
    const candidates = [{ biScore: 0.5, crossScore: null }, { biScore: 0.3, crossScore: null }];
    const base = { biWeight: 10, crossWeight: 0, noneLogit: 2, threshold: 0.5 };
    const plain = fuse(candidates, base);
    const raised = fuse(candidates, { ...base, noneVector: { weights: [1, 0], bias: 0 } }, Float32Array.from([3, 7]));
    expect(raised.noneProbability).toBeGreaterThan(plain.noneProbability);
    expect(raised.probabilities[0]).toBeGreaterThan(raised.probabilities[1] as number);
    // The same logits as a constant none logit of 2 + 3.
    const same = fuse(candidates, { ...base, noneLogit: 5 });
    raised.probabilities.forEach((p, j) => expect(p).toBeCloseTo(same.probabilities[j] as number, 14));
  });

  it('refuses a sentence vector of the wrong size instead of guessing', () => {
    const params = { biWeight: 10, crossWeight: 0, noneLogit: 2, threshold: 0.5, noneVector: { weights: [1, 2, 3], bias: 0 } };
    expect(() => fuse([{ biScore: 0.5, crossScore: null }], params, Float32Array.from([1, 2]))).toThrow(/3-number sentence vector/);
    expect(() => fuse([{ biScore: 0.5, crossScore: null }], params)).toThrow(/sentence vector/);
  });
});

describe('the document split the none vector is fitted on', () => {
  it('is the one training/zsre_train/redocred.py cuts (same first documents)', () => {
    expect(splitDocuments(500, 21, 200).calibration.slice(0, 5)).toEqual([413, 406, 361, 219, 300]);
  });
});

describe.skipIf(!fixtureReady)('a model directory with none vectors', () => {
  const relations: Relation[] = [
    { id: 'spouse', name: 'spouse', description: 'the two people are married' },
    { id: 'employer', name: 'employer', description: 'the person works for the organization' },
    { id: 'birthplace', name: 'place of birth', description: 'the person was born in the place' },
  ];
  const items: ExtractItem[] = [
    { text: 'Marie Curie married Pierre Curie in 1895.', head: 'Marie Curie', tail: 'Pierre Curie' },
    { text: 'Ada Lovelace was born in London.', head: 'Ada Lovelace', tail: 'London' },
    { text: 'Tim Cook works for Apple.', head: 'Tim Cook', tail: 'Apple' },
  ];
  let plainDir: string;
  let zeroDir: string;
  let noneDir: string;
  let vectorSize: number;
  // Low enough that every item is answered without a none vector (the test checks it is).
  const LOW_THRESHOLD = 0.01;

  beforeAll(async () => {
    [plainDir, zeroDir, noneDir] = await Promise.all([copyFixture(), copyFixture(), copyFixture()]);
    vectorSize = (JSON.parse(readFileSync(path.join(plainDir, 'manifest.json'), 'utf8')) as { vectorSize: number }).vectorSize;
    // Both fusion blocks: the fused one and biOnly (bi-encoder-only mode, and the adaptive gate).
    const blocks = (manifest: Record<string, unknown>): Record<string, unknown>[] => {
      const fusion = manifest.fusion as Record<string, unknown>;
      return [fusion, fusion.biOnly as Record<string, unknown>];
    };
    const edit = (bias: number | null) => (manifest: Record<string, unknown>) => {
      for (const block of blocks(manifest)) {
        block.threshold = LOW_THRESHOLD;
        if (bias !== null) block.noneVector = { weights: new Array<number>(vectorSize).fill(0), bias };
      }
    };
    await editManifest(zeroDir, edit(0));
    await editManifest(noneDir, edit(80));
    await editManifest(plainDir, edit(null));
  });

  // 'cross': every row through the cross-encoder (the fused block); 'bi': bi-encoder only (biOnly).
  const run = async (model: string, mode: 'cross' | 'bi') => {
    const extractor = await createExtractor({ model, relations, index: 'exact', ...(mode === 'cross' ? { rerank: 'always' as const } : { useCrossEncoder: false }) });
    try {
      return await extractor.extractBatch(items);
    } finally {
      await extractor.dispose();
    }
  };

  it.each(['cross', 'bi'] as const)('a zero vector changes nothing (%s)', async (mode) => {
    expect(await run(zeroDir, mode)).toEqual(await run(plainDir, mode));
  });

  it.each(['cross', 'bi'] as const)('a vector that says "none" turns every answer into none, ranking kept (%s)', async (mode) => {
    const plain = await run(plainDir, mode);
    const none = await run(noneDir, mode);
    expect(plain.every((result) => result.relation !== null)).toBe(true);
    expect(none.every((result) => result.relation === null)).toBe(true);
    none.forEach((result, row) => expect(result.candidates.map((c) => c.id)).toEqual(plain[row]?.candidates.map((c) => c.id)));
  });

  it('a vector of the wrong size is MODEL_INVALID naming the field', async () => {
    const dir = await copyFixture();
    await editManifest(dir, (manifest) => {
      (manifest.fusion as Record<string, unknown>).noneVector = { weights: [1, 2, 3], bias: 0 };
    });
    const error = await createExtractor({ model: dir, relations }).then(() => null, (e: unknown) => e);
    expect(isZsreError(error) && error.code).toBe('MODEL_INVALID');
    expect((error as Error).message).toContain('fusion.noneVector.weights has 3 numbers');
  });

  it('an unknown field in a none vector is MODEL_INVALID, not dropped', async () => {
    const dir = await copyFixture();
    await editManifest(dir, (manifest) => {
      (manifest.fusion as Record<string, unknown>).noneVector = { weights: new Array<number>(vectorSize).fill(0), bias: 0, scale: 2 };
    });
    const error = await createExtractor({ model: dir, relations }).then(() => null, (e: unknown) => e);
    expect(isZsreError(error) && error.code).toBe('MODEL_INVALID');
    expect((error as Error).message).toContain('fusion.noneVector');
  });

  describe('a named calibration (fusion.calibrations)', () => {
    let calibratedDir: string;
    const calibration = (bias: number, threshold = LOW_THRESHOLD) => {
      const block = { noneVector: { weights: new Array<number>(vectorSize).fill(0), bias }, threshold };
      return { ...block, biOnly: block, fittedOn: { data: 'test' } };
    };
    beforeAll(async () => {
      calibratedDir = await copyFixture();
      await editManifest(calibratedDir, (manifest) => {
        const fusion = manifest.fusion as Record<string, unknown>;
        for (const block of [fusion, fusion.biOnly as Record<string, unknown>]) block.threshold = LOW_THRESHOLD;
        // relationBiases by id: "employer" pushed far down, an id these relations lack (ignored), and
        // an empty set (the same as none).
        const withBiases = (relationBiases: Record<string, number>) => {
          const block = { ...calibration(0).biOnly, relationBiases };
          return { ...block, biOnly: block, fittedOn: { data: 'test' } };
        };
        fusion.calibrations = {
          documents: calibration(80),
          // one per relation, pushing it far down; P17, an id these relations lack, is ignored
          ...Object.fromEntries(relations.map(({ id }) => [`down-${id}`, withBiases({ [id]: -50, P17: 3 })])),
          unbiased: withBiases({}),
        };
      });
    });
    const runWith = async (options: { calibration?: string; threshold?: number }, mode: 'cross' | 'bi') => {
      const extractor = await createExtractor({ model: calibratedDir, relations, index: 'exact', ...options, ...(mode === 'cross' ? { rerank: 'always' as const } : { useCrossEncoder: false }) });
      try {
        return await extractor.extractBatch(items);
      } finally {
        await extractor.dispose();
      }
    };

    it.each(['cross', 'bi'] as const)('is used only when asked for, and then as if it were the model\'s own (%s)', async (mode) => {
      expect(await runWith({}, mode)).toEqual(await run(plainDir, mode));
      expect(await runWith({ calibration: 'documents' }, mode)).toEqual(await run(noneDir, mode));
    });

    it.each(['cross', 'bi'] as const)('adds its relation biases by relation id (%s)', async (mode) => {
      const plain = await run(plainDir, mode);
      expect(await runWith({ calibration: 'unbiased' }, mode)).toEqual(plain);
      const answered = plain[0]?.relation?.id as string;
      const biased = await runWith({ calibration: `down-${answered}` }, mode);
      biased.forEach((result, row) => {
        expect(result.relation?.id).not.toBe(answered);
        expect(result.candidates.at(-1)?.id).toBe(answered);
        // The others keep their order.
        const others = (list: readonly { id: string }[]) => list.map((c) => c.id).filter((id) => id !== answered);
        expect(others(result.candidates)).toEqual(others(plain[row]?.candidates ?? []));
      });
    });

    it('gives way to an explicit threshold', async () => {
      const results = await runWith({ calibration: 'documents', threshold: 0 }, 'bi');
      expect(results.every((result) => result.relation !== null)).toBe(true);
      expect(results.map((result) => result.candidates)).toEqual((await run(noneDir, 'bi')).map((result) => result.candidates));
    });

    it('an unknown name is INVALID_INPUT listing the model\'s calibrations', async () => {
      const error = await createExtractor({ model: calibratedDir, relations, calibration: 'news' }).then(() => null, (e: unknown) => e);
      expect(isZsreError(error) && error.code).toBe('INVALID_INPUT');
      expect((error as Error).message).toMatch(/calibration "news".*only "documents", "down-spouse"/);
      const none = await createExtractor({ model: plainDir, relations, calibration: 'documents' }).then(() => null, (e: unknown) => e);
      expect((none as Error).message).toMatch(/no named calibrations/);
    });

    it.each([
      ['a vector of the wrong size', { ...calibration(0), noneVector: { weights: [1, 2], bias: 0 } }, 'fusion.calibrations.documents.noneVector.weights has 2 numbers'],
      ['an unknown field', { ...calibration(0), scale: 2 }, 'scale'],
      ['a block without its threshold', { ...calibration(0), biOnly: { noneVector: calibration(0).noneVector } }, 'threshold'],
      ['a relation bias that is not a number', { ...calibration(0), relationBiases: { employer: 'low' } }, 'relationBiases'],
    ])('%s is MODEL_INVALID', async (_, documents, message) => {
      const dir = await copyFixture();
      await editManifest(dir, (manifest) => {
        (manifest.fusion as Record<string, unknown>).calibrations = { documents };
      });
      const error = await createExtractor({ model: dir, relations }).then(() => null, (e: unknown) => e);
      expect(isZsreError(error) && error.code).toBe('MODEL_INVALID');
      expect((error as Error).message).toContain(message);
    });
  });
});
