import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZsreError, type ZsreErrorCode } from '../src/errors.js';
import { adaptDescriptions, type DescriptionSpace, prototypeOf, unfittedExampleRule } from '../src/examples/adapt.js';
import { exactSearch } from '../src/labels/exact.js';
import { loadRelations, type Relation, type RelationExample } from '../src/relations/index.js';

const folder = mkdtempSync(join(tmpdir(), 'zsre-relation-examples-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function zsreError(promise: Promise<unknown>, code: ZsreErrorCode): Promise<ZsreError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ZsreError);
  expect((error as ZsreError).code).toBe(code);
  return error as ZsreError;
}

const rival: Relation & { examples: RelationExample[] } = {
  id: 'rival',
  name: 'rival',
  examples: [
    { text: 'Coke has long been the main rival of Pepsi.', head: 'Coke', tail: 'Pepsi' },
    { text: 'Federer and his rival Nadal met again.', head: { text: 'Federer' }, tail: { start: 26, end: 31 } },
    { tokens: ['Sony', 'fights', 'Nintendo', '.'], head: [0], tail: [2] },
  ],
};

describe('relations with examples', () => {
  it('keeps examples in every entity form, in arrays, .json and .jsonl files', async () => {
    const [fromArray] = await loadRelations([rival]);
    expect(fromArray?.examples).toEqual(rival.examples);
    const json = join(folder, 'r.json');
    writeFileSync(json, JSON.stringify([rival]));
    expect((await loadRelations(json))[0]?.examples).toEqual(rival.examples);
    const jsonl = join(folder, 'r.jsonl');
    writeFileSync(jsonl, `${JSON.stringify({ id: 'P26', name: 'spouse' })}\n${JSON.stringify(rival)}\n`);
    expect((await loadRelations(jsonl))[1]?.examples).toEqual(rival.examples);
  });

  it('treats an empty example list as none', async () => {
    const [relation] = await loadRelations([{ id: 'x', name: 'x', examples: [] }]);
    expect(relation).toEqual({ id: 'x', name: 'x' });
  });

  it('refuses a field it does not know, naming it (a misspelt "examples" is never dropped)', async () => {
    const error = await zsreError(loadRelations([{ id: 'x', name: 'x', exmaples: [] } as unknown as Relation]), 'INVALID_INPUT');
    expect(error.message).toContain('unknown field "exmaples"');
    expect(error.message).toContain('entry 0');
    const jsonl = join(folder, 'unknown.jsonl');
    writeFileSync(jsonl, `${JSON.stringify({ id: 'x', name: 'x', label: 'X' })}\n`);
    expect((await zsreError(loadRelations(jsonl), 'INVALID_INPUT')).message).toContain(`line 1 of ${jsonl}`);
  });

  it('names the relation and the example when an example is malformed', async () => {
    const error = await zsreError(loadRelations([{ ...rival, examples: [rival.examples[0], { text: 'no entities here' }] } as unknown as Relation]), 'INVALID_INPUT');
    expect(error.message).toContain('example 1 (0-based) of relation "rival"');
    expect(error.context).toMatchObject({ relation: 'rival', example: 1 });
    const notArray = await zsreError(loadRelations([{ ...rival, examples: 'Coke and Pepsi' } as unknown as Relation]), 'INVALID_INPUT');
    expect(notArray.message).toContain('"examples"');
  });

  it('names the relation and the example when an entity is not in its text', async () => {
    const error = await zsreError(
      loadRelations([{ ...rival, examples: [rival.examples[0] as RelationExample, rival.examples[1] as RelationExample, { text: 'Coke and Pepsi.', head: 'Coke', tail: 'Fanta' }] }]),
      'ENTITY_NOT_FOUND',
    );
    expect(error.message).toContain('example 2 (0-based) of relation "rival"');
    await zsreError(loadRelations([{ ...rival, examples: [{ tokens: ['a', 'b'], head: [0], tail: [5] }] }]), 'SPAN_OUT_OF_RANGE');
  });
});

describe('the example rule: descriptions adapted to the examples', () => {
  const unit = (...values: number[]): Float32Array => {
    const norm = Math.hypot(...values);
    return Float32Array.from(values, (value) => value / norm);
  };
  const space = (descriptions: Float32Array[]): DescriptionSpace => {
    const dim = (descriptions[0] as Float32Array).length;
    const rows = new Float32Array(descriptions.length * dim);
    descriptions.forEach((description, row) => rows.set(description, row * dim));
    return { vector: (index) => descriptions[index] as Float32Array, search: (query, k) => exactSearch(rows, dim, query, k) };
  };
  const scale = { biWeight: 25, noneLogit: () => 10 };
  const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
  // Relation 2's description sits near relation 1's; its sentences point elsewhere.
  const descriptions = [unit(1, 0, 0), unit(0, 1, 0), unit(0.6, 0.8, 0)];
  const examplesOf2 = [unit(0.1, 0.6, 0.8), unit(-0.1, 0.55, 0.85)];
  const query = unit(0, 0.6, 0.8);

  it('changes nothing without examples', () => {
    expect(adaptDescriptions([], space(descriptions), scale, unfittedExampleRule).size).toBe(0);
    expect(adaptDescriptions([{ index: 1, vectors: [], described: true }], space(descriptions), scale, unfittedExampleRule).size).toBe(0);
  });

  it('lets examples correct a description that ranks their sentences wrong', () => {
    expect(dot(query, descriptions[1] as Float32Array)).toBeGreaterThan(dot(query, descriptions[2] as Float32Array));
    const adapted = adaptDescriptions([{ index: 2, vectors: examplesOf2, described: true }], space(descriptions), scale, unfittedExampleRule);
    expect([...adapted.keys()]).toEqual([2]);
    expect(dot(query, adapted.get(2) as Float32Array)).toBeGreaterThan(dot(query, descriptions[1] as Float32Array));
  });

  it('barely moves a description that already ranks its example first, and moves a wrong one further', () => {
    const right = adaptDescriptions([{ index: 0, vectors: [unit(0.95, 0.1, 0.05)], described: true }], space(descriptions), scale, unfittedExampleRule).get(0) as Float32Array;
    const wrong = adaptDescriptions([{ index: 2, vectors: examplesOf2.slice(0, 1), described: true }], space(descriptions), scale, unfittedExampleRule).get(2) as Float32Array;
    const moved = (vector: Float32Array, index: number): number => Math.hypot(...vector.map((value, i) => value - ((descriptions[index] as Float32Array)[i] as number)));
    expect(moved(right, 0)).toBeLessThan(0.05);
    expect(moved(wrong, 2)).toBeGreaterThan(4 * moved(right, 0));
  });

  it('lets examples move a relation known by its name only further than a described one', () => {
    const strong = { ...unfittedExampleRule, strength: 30, nameOnlyStrength: 1 };
    const moved = (described: boolean): number => {
      const vector = adaptDescriptions([{ index: 2, vectors: examplesOf2, described }], space(descriptions), scale, strong).get(2) as Float32Array;
      return Math.hypot(...vector.map((value, i) => value - ((descriptions[2] as Float32Array)[i] as number)));
    };
    expect(moved(false)).toBeGreaterThan(moved(true));
  });

  it('gives the same vectors whatever the order the taught relations come in', () => {
    const a = adaptDescriptions([{ index: 2, vectors: examplesOf2, described: true }, { index: 0, vectors: [unit(0.9, 0.3, 0)], described: true }], space(descriptions), scale, unfittedExampleRule);
    const b = adaptDescriptions([{ index: 0, vectors: [unit(0.9, 0.3, 0)], described: true }, { index: 2, vectors: examplesOf2, described: true }], space(descriptions), scale, unfittedExampleRule);
    expect([...(a.get(0) as Float32Array)]).toEqual([...(b.get(0) as Float32Array)]);
    expect([...(a.get(2) as Float32Array)]).toEqual([...(b.get(2) as Float32Array)]);
  });

  it('builds a unit-length prototype from unit vectors', () => {
    const prototype = prototypeOf([Float32Array.of(1, 0), Float32Array.of(0, 1)]) as Float32Array;
    expect(prototype[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(prototype[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(prototypeOf([])).toBeNull();
  });
});
