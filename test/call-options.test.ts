import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractor, ZsreError, type Extractor, type Relation } from '../src/index.js';
import { extractDocument } from '../src/kg.js';
import { checkCallOptions } from '../src/core/callOptions.js';
import { tinyModel } from './helpers/cliProcess.js';

/** A misspelt option of extractBatch / extractAll / extractDocument is an error, never ignored. */
const relations: Relation[] = [
  { id: 'met', name: 'met', description: 'the head met the tail' },
  { id: 'born', name: 'born in', description: 'the head was born in the tail' },
];
const item = { text: 'Ada met Bob in Paris.', head: 'Ada', tail: 'Bob' };
let extractor: Extractor;
beforeAll(async () => {
  extractor = await createExtractor({ relations, model: tinyModel });
});
afterAll(async () => {
  await extractor?.dispose();
});

async function rejection(promise: Promise<unknown>): Promise<ZsreError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(ZsreError);
  expect((error as ZsreError).code).toBe('INVALID_INPUT');
  return error as ZsreError;
}

describe('call options', () => {
  it('extractBatch refuses an unknown option and a wrong type, naming the known ones', async () => {
    // @ts-expect-error a typo a JavaScript caller can make
    const typo = await rejection(extractor.extractBatch([item], { onProgres: () => {} }));
    expect(typo.message).toBe('extractBatch options: unknown option "onProgres"; the options are onProgress, signal, timings.');
    // @ts-expect-error not an AbortSignal
    const signal = await rejection(extractor.extractBatch([item], { signal: 'stop' }));
    expect(signal.message).toContain('"signal" must be an AbortSignal');
    // @ts-expect-error not an object
    await rejection(extractor.extractBatch([item], 'fast'));
  });

  it('extractAll refuses an unknown option; its own options and undefined values pass', async () => {
    const input = { text: 'Ada met Bob in Paris.', entities: ['Ada', 'Bob'] };
    // @ts-expect-error a typo a JavaScript caller can make
    const typo = await rejection(extractor.extractAll(input, { pairz: 'all' }));
    expect(typo.message).toContain('unknown option "pairz"');
    expect(typo.message).toContain('pairs, windowSentences, onSkipped');
    const triples = await extractor.extractAll(input, { pairs: 'all', onProgress: undefined, onSkipped: () => {} });
    expect(Array.isArray(triples)).toBe(true);
  });

  it('extractDocument refuses document settings in its third argument (they belong in the input)', async () => {
    // @ts-expect-error pairs is an input field of extractDocument
    const misplaced = await rejection(extractDocument(extractor, { text: 'Ada met Bob in Paris.', entities: ['Ada', 'Bob'] }, { pairs: 'all' }));
    expect(misplaced.message).toContain('extractDocument options: unknown option "pairs"');
    const done = await extractDocument(extractor, { text: 'Ada met Bob in Paris.', entities: ['Ada', 'Bob'] }, { onProgress: () => {} });
    expect(done.results).toHaveLength(2);
  });

  it('checkCallOptions accepts a signal from AbortController and a timings object', () => {
    expect(() => checkCallOptions({ signal: new AbortController().signal, timings: {} }, { signal: 'signal', timings: 'object' }, 'call')).not.toThrow();
    expect(() => checkCallOptions({ timings: 3 }, { timings: 'object' }, 'call')).toThrow('"timings" must be an object, received number');
    expect(() => checkCallOptions({ constructor: 1 }, { timings: 'object' }, 'call')).toThrow('unknown option "constructor"');
  });
});
