import { describe, expect, it } from 'vitest';
import { cutSegments } from '../src/markers/segments.js';

describe('cutSegments', () => {
  const text = 'Marie Curie was married to Pierre Curie in Paris.';
  const marie = { start: 0, end: 11 };
  const pierre = { start: 27, end: 39 };

  it('cuts five segments in text order when the head comes first', () => {
    expect(cutSegments(text, marie, pierre)).toEqual({
      before: '',
      first: 'Marie Curie',
      between: ' was married to ',
      second: 'Pierre Curie',
      after: ' in Paris.',
      headFirst: true,
      nested: false,
    });
  });

  it('puts the tail first when it comes first in the text', () => {
    const segments = cutSegments(text, pierre, marie);
    expect(segments.headFirst).toBe(false);
    expect(segments.first).toBe('Marie Curie');
    expect(segments.second).toBe('Pierre Curie');
  });

  it('rejoins to the original text for adjacent entities and astral characters', () => {
    const emoji = '😀A😀B';
    const segments = cutSegments(emoji, { start: 2, end: 3 }, { start: 5, end: 6 });
    expect(segments).toMatchObject({ before: '😀', first: 'A', between: '😀', second: 'B', after: '' });
    expect(segments.before + segments.first + segments.between + segments.second + segments.after).toBe(emoji);
    const adjacent = cutSegments('ab', { start: 1, end: 2 }, { start: 0, end: 1 });
    expect(adjacent).toMatchObject({ before: '', first: 'a', between: '', second: 'b', after: '', headFirst: false });
  });

  it('cuts nested entities into outer part, inner entity, outer part (markers nest)', () => {
    const gulf = 'The Gulf of Thailand borders Cambodia.';
    const outer = { start: 4, end: 20 };
    const inner = { start: 12, end: 20 };
    expect(cutSegments(gulf, outer, inner)).toEqual({
      before: 'The ',
      first: 'Gulf of ',
      between: 'Thailand',
      second: '',
      after: ' borders Cambodia.',
      headFirst: true,
      nested: true,
    });
    expect(cutSegments(gulf, inner, outer)).toMatchObject({ first: 'Gulf of ', between: 'Thailand', headFirst: false, nested: true });
    const shared = cutSegments('Mickey Mouse universe', { start: 0, end: 12 }, { start: 0, end: 21 });
    expect(shared).toMatchObject({ before: '', first: '', between: 'Mickey Mouse', second: ' universe', after: '', headFirst: false });
  });
});
