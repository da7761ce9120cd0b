import { describe, expect, it } from 'vitest';
import { ZsreError } from '../src/errors.js';
import { classifyPairs, pairEntities, partlyOverlap, wordsBetween, wordStarts } from '../src/pairs/index.js';
import type { ExtractItem, ExtractResult } from '../src/schemas.js';

const text = 'Boats crossed the Gulf of Thailand near New York City Hall today.';
const span = (needle: string, from = 0) => {
  const start = text.indexOf(needle, from);
  return { start, end: start + needle.length };
};
const label = (pair: { head: { text: string }; tail: { text: string } }) => `${pair.head.text}>${pair.tail.text}`;

describe('pairEntities', () => {
  it('pairs every ordered pair of distinct spans, in text order, the same span named twice counting once', () => {
    const pairing = pairEntities(text, [span('Boats'), span('Thailand'), span('Boats'), span('today')]);
    expect(pairing.entities.map((entity) => entity.text)).toEqual(['Boats', 'Thailand', 'today']);
    expect(pairing.pairs.map(label)).toEqual(['Boats>Thailand', 'Boats>today', 'Thailand>Boats', 'Thailand>today', 'today>Boats', 'today>Thailand']);
    expect(pairing.skipped).toEqual([]);
  });

  it('keeps nested pairs in both directions (tail inside head, head inside tail)', () => {
    const pairing = pairEntities(text, [span('Gulf of Thailand'), span('Thailand'), span('New York City Hall'), span('New York')]);
    const pairs = pairing.pairs.map(label);
    expect(pairs).toContain('Gulf of Thailand>Thailand');
    expect(pairs).toContain('Thailand>Gulf of Thailand');
    expect(pairs).toContain('New York City Hall>New York');
    expect(pairs).toContain('New York>New York City Hall');
    expect(pairs).toHaveLength(12);
    expect(pairing.skipped).toEqual([]);
  });

  it('does not pair spans that partly overlap, and reports both directions', () => {
    const pairing = pairEntities(text, [span('New York'), span('York City Hall'), span('Boats')]);
    expect(pairing.pairs.map(label).sort()).toEqual(['Boats>New York', 'Boats>York City Hall', 'New York>Boats', 'York City Hall>Boats']);
    expect(pairing.skipped.map(label)).toEqual(['New York>York City Hall', 'York City Hall>New York']);
    expect(pairing.skipped.every((skipped) => skipped.code === 'ENTITY_OVERLAP' && skipped.message.includes('partly overlap'))).toBe(true);
  });

  it('leaves out, without reporting, pairs beyond maxWordsBetween and backward pairs with forward', () => {
    const far = pairEntities(text, [span('Boats'), span('Thailand'), span('today')], { maxWordsBetween: 4 });
    expect(far.pairs.map(label)).toEqual(['Boats>Thailand', 'Thailand>Boats']);
    expect(far.skipped).toEqual([]);
    const forward = pairEntities(text, [span('Boats'), span('Thailand'), span('Gulf of Thailand')], { directions: 'forward' });
    expect(forward.pairs.map(label)).toEqual(['Boats>Gulf of Thailand', 'Boats>Thailand', 'Gulf of Thailand>Thailand']);
  });

  it('tells nesting from partial overlap and counts words between spans', () => {
    expect(partlyOverlap({ start: 0, end: 5 }, { start: 3, end: 8 })).toBe(true);
    expect(partlyOverlap({ start: 0, end: 8 }, { start: 3, end: 8 })).toBe(false);
    expect(partlyOverlap({ start: 0, end: 3 }, { start: 3, end: 8 })).toBe(false);
    const starts = wordStarts(text);
    expect(wordsBetween(starts, span('Boats'), span('Gulf'))).toBe(2);
    expect(wordsBetween(starts, span('Gulf of Thailand'), span('Thailand'))).toBe(0);
  });
});

/** A stand-in extractor that refuses the items whose head is `refuse`, the way prepareItem reports an item. */
function refusing(refuse: string, calls: number[] = []) {
  return {
    async extractBatch(items: ExtractItem[]): Promise<ExtractResult[]> {
      calls.push(items.length);
      items.forEach((item, position) => {
        if ('text' in item && typeof item.head === 'object' && 'start' in item.head && item.text.slice(item.head.start, item.head.end) === refuse) {
          const context = items.length > 1 ? { item: position } : {};
          throw new ZsreError('ENTITY_OVERLAP', `${items.length > 1 ? `Item ${position}: ` : ''}refused`, { context });
        }
      });
      return items.map((item) => {
        if (!('text' in item) || typeof item.head !== 'object' || !('start' in item.head) || typeof item.tail !== 'object' || !('start' in item.tail)) throw new Error('span items expected');
        const head = { ...item.head, text: item.text.slice(item.head.start, item.head.end) };
        const tail = { ...item.tail, text: item.text.slice(item.tail.start, item.tail.end) };
        return { head, tail, relation: null, candidates: [] } as unknown as ExtractResult;
      });
    },
  };
}

describe('classifyPairs', () => {
  const { pairs } = pairEntities(text, [span('Boats'), span('Thailand'), span('today'), span('Hall')]);

  it('classifies all pairs in one extractBatch call when none is refused', async () => {
    const calls: number[] = [];
    const { results, refused } = await classifyPairs(refusing('nobody', calls), text, pairs);
    expect(calls).toEqual([12]);
    expect(results.map(label)).toEqual(pairs.map(label));
    expect(refused).toEqual([]);
  });

  it('reports each refused pair with the code and message, and still classifies the others in order', async () => {
    const { results, refused } = await classifyPairs(refusing('Thailand'), text, pairs);
    expect(refused.map(label)).toEqual(['Thailand>Boats', 'Thailand>Hall', 'Thailand>today']);
    expect(refused.every((pair) => pair.code === 'ENTITY_OVERLAP' && pair.message.includes('refused'))).toBe(true);
    expect(results.map(label)).toEqual(pairs.map(label).filter((pair) => !pair.startsWith('Thailand>')));
  });

  it('throws an error of the extractor itself instead of reporting pairs', async () => {
    const broken = {
      extractBatch: async (): Promise<ExtractResult[]> => {
        throw new ZsreError('DISPOSED', 'disposed');
      },
    };
    await expect(classifyPairs(broken, text, pairs)).rejects.toMatchObject({ code: 'DISPOSED' });
    const plainError = { extractBatch: async (): Promise<ExtractResult[]> => Promise.reject(new Error('boom')) };
    await expect(classifyPairs(plainError, text, pairs)).rejects.toThrow('boom');
  });
});
