import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZsreError, type ZsreErrorCode } from '../src/errors.js';
import { backgroundLevel, blendScore, exampleWeight, prototypeOf, unfittedExampleRule } from '../src/examples/rule.js';
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

describe('the example rule', () => {
  it('is the description score without examples, and leans on examples as they grow', () => {
    const rule = { kappa: 2, scale: 0.5, offset: 0.1, background: 0.3 };
    expect(blendScore(0.4, 0.9, 0, rule, 0.2)).toBe(0.4);
    expect(exampleWeight(2, rule)).toBeCloseTo(0.5, 12);
    expect(blendScore(0.4, 0.9, 2, rule, 0.2)).toBeCloseTo(0.5 * 0.4 + 0.5 * (0.5 * (0.9 - 0.2) + 0.1), 12);
    expect(exampleWeight(10, unfittedExampleRule)).toBeGreaterThan(exampleWeight(1, unfittedExampleRule));
  });

  it('builds a unit-length prototype from unit vectors', () => {
    const prototype = prototypeOf([Float32Array.of(1, 0), Float32Array.of(0, 1)]) as Float32Array;
    expect(prototype[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(prototype[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(prototypeOf([])).toBeNull();
  });

  it("reads the background level off the relation set: other relations' prototypes against each one's examples", () => {
    const a = { vectors: [Float32Array.of(1, 0)], prototype: Float32Array.of(1, 0) };
    const b = { vectors: [Float32Array.of(0.6, 0.8)], prototype: Float32Array.of(0.6, 0.8) };
    expect(backgroundLevel([a, b])).toBeCloseTo(0.6, 6);
    expect(backgroundLevel([a])).toBeNull();
  });
});
