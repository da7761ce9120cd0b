import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractor, ZsreError, type Extractor, type Relation } from '../src/index.js';
import { tinyModel } from './helpers/cliProcess.js';

/**
 * Issue 20, case 4: a nested inner entity that starts past the model's window (128 tokens for
 * the tiny model) used to be cut away and answered with an empty marker pair, so different
 * inner entities got bit-identical candidates. It is refused with NESTED_ENTITY_CUT instead.
 */
const cacheDir = mkdtempSync(join(tmpdir(), 'zsre-nested-window-'));
const relations: Relation[] = [
  { id: 'part_of', name: 'part of', description: 'the head entity is a part of the tail entity' },
  { id: 'member_of', name: 'member of', description: 'the head entity is a member of the tail entity' },
];
let extractor: Extractor;
beforeAll(async () => {
  extractor = await createExtractor({ relations, model: tinyModel, cacheDir, threshold: 0, precision: 'fp32' });
});
afterAll(async () => {
  await extractor?.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

const words = Array.from({ length: 155 }, (_, index) => `word${index}`);
words[20] = 'Lisbon';
words[140] = 'Oslo';
words[150] = 'Kyoto';
const head = words.join(' ');
const text = `The list: ${head}.`;
const at = (needle: string) => ({ start: text.indexOf(needle), end: text.indexOf(needle) + needle.length });

describe('a nested inner entity past the window', () => {
  it.each(['Oslo', 'Kyoto'])('is refused with NESTED_ENTITY_CUT (tail %s deep inside a 155-word head)', async (tail) => {
    const error = await extractor.extract({ text, head: at(head), tail: at(tail) }).then(() => undefined, (reason: unknown) => reason);
    expect(error).toBeInstanceOf(ZsreError);
    expect((error as ZsreError).code).toBe('NESTED_ENTITY_CUT');
    expect((error as ZsreError).message).toMatch(/The tail entity lies inside the head entity and starts \d+ tokens into it/);
  });

  it('is refused in either direction, and in a batch names the item', async () => {
    const inner = await extractor.extract({ text, head: at('Oslo'), tail: at(head) }).then(() => undefined, (reason: unknown) => reason);
    expect((inner as ZsreError).code).toBe('NESTED_ENTITY_CUT');
    expect((inner as ZsreError).message).toContain('The head entity lies inside the tail entity');
    const batch = await extractor
      .extractBatch([{ text, head: at(head), tail: at('Lisbon') }, { text, head: at(head), tail: at('Kyoto') }])
      .then(() => undefined, (reason: unknown) => reason);
    expect((batch as ZsreError).code).toBe('NESTED_ENTITY_CUT');
    expect((batch as ZsreError).message).toMatch(/^Item 1: /);
  });

  it('an inner entity inside the window is still answered, each with its own candidates', async () => {
    const lisbon = await extractor.extract({ text, head: at(head), tail: at('Lisbon') });
    const early = await extractor.extract({ text, head: at(head), tail: at('word10') });
    expect(lisbon.candidates.length).toBe(2);
    expect(lisbon.candidates.map((candidate) => candidate.probability)).not.toEqual(early.candidates.map((candidate) => candidate.probability));
  });
});
