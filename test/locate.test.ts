import { describe, expect, it } from 'vitest';
import { locateEntity, locatePair, tokenItemToText } from '../src/entities/locate.js';
import { ZsreError } from '../src/errors.js';

function caught(run: () => unknown): ZsreError {
  try {
    run();
  } catch (error) {
    if (error instanceof ZsreError) return error;
    throw error;
  }
  throw new Error('expected a ZsreError');
}

describe('locateEntity', () => {
  const text = 'Paris is the capital of France; Paris is big.';

  it('finds the first occurrence of a string', () => {
    expect(locateEntity(text, 'France', 'head entity')).toEqual({ start: 24, end: 30 });
    expect(locateEntity(text, 'Paris', 'head entity')).toEqual({ start: 0, end: 5 });
  });

  it('finds the n-th occurrence (0-based)', () => {
    expect(locateEntity(text, { text: 'Paris', occurrence: 1 }, 'tail entity')).toEqual({ start: 32, end: 37 });
    expect(locateEntity('aaa', { text: 'aa', occurrence: 1 }, 'head entity')).toEqual({ start: 1, end: 3 });
  });

  it('accepts a span as given', () => {
    expect(locateEntity(text, { start: 13, end: 20 }, 'head entity')).toEqual({ start: 13, end: 20 });
  });

  it('keeps JS string offsets for emoji, CJK and combining marks', () => {
    const emoji = 'I 😀 met 😀 Ana in 東京.';
    const ana = locateEntity(emoji, 'Ana', 'head entity');
    expect(emoji.slice(ana.start, ana.end)).toBe('Ana');
    expect(ana.start).toBe(12); // each 😀 is two UTF-16 code units (10 code points before "Ana")
    const tokyo = locateEntity(emoji, '東京', 'tail entity');
    expect(tokyo).toEqual({ start: 19, end: 21 });
    const decomposed = 'Cafe\u0301 owner Rene\u0301 lives in Lyon.';
    const rene = locateEntity(decomposed, 'Rene\u0301', 'head entity');
    expect(rene).toEqual({ start: 12, end: 17 });
    expect(decomposed.slice(rene.start, rene.end)).toBe('Rene\u0301');
    // The precomposed form is a different string: exact match, as documented.
    expect(() => locateEntity(decomposed, 'Ren\u00e9', 'head entity')).toThrow(ZsreError);
  });
});

describe('entity errors', () => {
  it('EMPTY_TEXT for empty or blank text', () => {
    const error = caught(() => locatePair('   ', 'a', 'b'));
    expect(error.code).toBe('EMPTY_TEXT');
    expect(error.message).toMatch(/pass a sentence/);
    expect(caught(() => tokenItemToText({ tokens: [], head: [0], tail: [1] })).code).toBe('EMPTY_TEXT');
  });

  it('ENTITY_NOT_FOUND names the entity and says what to do', () => {
    const error = caught(() => locatePair('Ada met Bob.', 'Ada', 'Carol'));
    expect(error.code).toBe('ENTITY_NOT_FOUND');
    expect(error.message).toContain('tail entity "Carol"');
    expect(error.message).toMatch(/case-sensitive.*\{ start, end \}/);
    const missing = caught(() => locatePair('Ada met Bob.', 'Ada', { text: 'Bob', occurrence: 1 }));
    expect(missing.message).toMatch(/occurs only 1 time\(s\), occurrence 1 was asked for/);
    expect(caught(() => locatePair('Ada met Bob.', '', 'Bob')).code).toBe('ENTITY_NOT_FOUND');
  });

  it('ENTITY_OVERLAP for identical and overlapping entities', () => {
    const same = caught(() => locatePair('Ada met Ada.', 'Ada', 'Ada'));
    expect(same.code).toBe('ENTITY_OVERLAP');
    expect(same.message).toMatch(/same span.*occurrence/);
    const overlap = caught(() => locatePair('New York City', 'New York', 'York City'));
    expect(overlap.code).toBe('ENTITY_OVERLAP');
    expect(overlap.message).toContain('partly overlap');
    expect(locatePair('Ada met Ada.', 'Ada', { text: 'Ada', occurrence: 1 })).toEqual({
      head: { start: 0, end: 3 },
      tail: { start: 8, end: 11 },
    });
    expect(caught(() => tokenItemToText({ tokens: ['a', 'b', 'c'], head: [0, 1], tail: [1, 2] })).code).toBe('ENTITY_OVERLAP');
    expect(caught(() => tokenItemToText({ tokens: ['a', 'b', 'c'], head: [1], tail: [1] })).message).toMatch(/same span/);
  });

  it('accepts nested entities (one inside the other) in the string, span and token forms', () => {
    const text = 'The Gulf of Thailand borders Cambodia.';
    expect(locatePair(text, 'Gulf of Thailand', 'Thailand')).toEqual({ head: { start: 4, end: 20 }, tail: { start: 12, end: 20 } });
    expect(locatePair(text, { start: 12, end: 20 }, { start: 4, end: 20 })).toEqual({ head: { start: 12, end: 20 }, tail: { start: 4, end: 20 } });
    expect(locatePair('chess piece', 'chess piece', 'chess')).toEqual({ head: { start: 0, end: 11 }, tail: { start: 0, end: 5 } });
    const tokens = tokenItemToText({ tokens: ['The', 'Gulf', 'of', 'Thailand'], head: [3], tail: [1, 2, 3] });
    expect(tokens).toEqual({ text: 'The Gulf of Thailand', head: { start: 12, end: 20 }, tail: { start: 4, end: 20 } });
  });

  it('EMPTY_ENTITY for an entity of only whitespace or invisible characters, in every input form', () => {
    const text = 'Ada\u200b met\u0000 Bob .';
    for (const blank of [{ start: 3, end: 4 }, { start: 3, end: 5 }, { start: 8, end: 10 }, '\u200b', ' ', '\u0000', { text: ' ', occurrence: 1 }]) {
      const error = caught(() => locatePair(text, blank, 'Bob'));
      expect(error.code, JSON.stringify(blank)).toBe('EMPTY_ENTITY');
      expect(error.message).toMatch(/head entity .*invisible characters: point it at the words/);
    }
    expect(caught(() => locatePair(text, 'Ada', { start: 3, end: 4 })).message).toMatch(/tail entity/);
    expect(caught(() => tokenItemToText({ tokens: ['Ada', ' ', 'Bob'], head: [1], tail: [2] })).code).toBe('EMPTY_ENTITY');
    expect(caught(() => tokenItemToText({ tokens: ['Ada', '\ufeff', 'Bob'], head: [0], tail: [1] })).code).toBe('EMPTY_ENTITY');
    // Visible content next to invisible characters is fine.
    expect(locatePair(text, { start: 0, end: 4 }, 'Bob').head).toEqual({ start: 0, end: 4 });
  });

  it('SPAN_OUT_OF_RANGE for spans past the end, empty or inside an emoji', () => {
    const past = caught(() => locatePair('Ada met Bob.', { start: 0, end: 3 }, { start: 8, end: 40 }));
    expect(past.code).toBe('SPAN_OUT_OF_RANGE');
    expect(past.message).toMatch(/0 <= start < end <= text.length/);
    expect(caught(() => locatePair('Ada met Bob.', { start: 3, end: 3 }, 'Bob')).code).toBe('SPAN_OUT_OF_RANGE');
    const halfEmoji = caught(() => locatePair('😀 Ada', { start: 1, end: 2 }, 'Ada'));
    expect(halfEmoji.code).toBe('SPAN_OUT_OF_RANGE');
    expect(halfEmoji.message).toMatch(/emoji/);
    const token = caught(() => tokenItemToText({ tokens: ['a', 'b'], head: [0], tail: [5] }));
    expect(token.code).toBe('SPAN_OUT_OF_RANGE');
    expect(token.message).toMatch(/2 tokens/);
  });
});

describe('tokenItemToText', () => {
  it('joins tokens with one space and maps token indices to character spans', () => {
    const result = tokenItemToText({ tokens: ['Marie', 'Curie', 'married', 'Pierre', 'Curie', '.'], head: [0, 1], tail: [3, 4] });
    expect(result.text).toBe('Marie Curie married Pierre Curie .');
    expect(result.head).toEqual({ start: 0, end: 11 });
    expect(result.tail).toEqual({ start: 20, end: 32 });
    expect(result.text.slice(result.tail.start, result.tail.end)).toBe('Pierre Curie');
  });
});
