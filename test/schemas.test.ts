import { describe, expect, it } from 'vitest';
import { ZsreError } from '../src/errors.js';
import { extractItemSchema, extractorOptionsSchema, parseInput } from '../src/schemas.js';

function message(schema: Parameters<typeof parseInput>[0], value: unknown, what: string): string {
  try {
    parseInput(schema, value, what);
  } catch (error) {
    if (error instanceof ZsreError && error.code === 'INVALID_INPUT') return error.message;
    throw error;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('parseInput messages', () => {
  it('names the field of the item form the caller meant', () => {
    expect(message(extractItemSchema, { text: 'a b', head: 'a' }, 'item')).toMatch(/^Invalid item: field "tail" must be a string, \{ text, occurrence\?, type\? \} or \{ start, end, type\? \}/);
    expect(message(extractItemSchema, { text: 'a b', head: 5, tail: 'b' }, 'item')).toMatch(/field "head" must be a string/);
    expect(message(extractItemSchema, { tokens: ['a', 'b'], head: [0], tail: 'b' }, 'item')).toMatch(/field "tail" is invalid: expected array, received string/);
    expect(message(extractItemSchema, { tokens: ['a', 'b'], head: [], tail: [1] }, 'item')).toMatch(/field "head" must list at least one token index/);
    expect(message(extractItemSchema, 'a sentence', 'item')).toMatch(/field "\(root\)" is invalid: expected object, received string/);
  });

  it('names bad options', () => {
    expect(message(extractorOptionsSchema, { relations: 'x', batchSize: 0 }, 'extractor options')).toMatch(/field "batchSize"/);
    expect(message(extractorOptionsSchema, { relations: 'x', topk: 3 }, 'extractor options')).toMatch(/field "topk" is not a known field \(did you mean "topK"\?\)/);
    expect(message(extractorOptionsSchema, { relations: 'x', treshold: 0.5 }, 'extractor options')).toMatch(/field "treshold" is not a known field \(did you mean "threshold"\?\)/);
    expect(message(extractorOptionsSchema, { relations: 'x', colour: 'red' }, 'extractor options')).toMatch(/field "colour" is not a known field \(known fields: .*threshold.*relations, model/);
    expect(message(extractorOptionsSchema, {}, 'extractor options')).toMatch(/field "relations"/);
  });

  it('returns the parsed value when valid', () => {
    expect(parseInput(extractItemSchema, { text: 'a b', head: 'a', tail: { start: 2, end: 3 } }, 'item')).toEqual({ text: 'a b', head: 'a', tail: { start: 2, end: 3 } });
  });
});
