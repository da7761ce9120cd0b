import { ZsreError } from '../src/errors.js';
import { describe, expect, it } from 'vitest';
import { applyWindow, balance, planWindow } from '../src/tokenizer/window.js';
import { buildDescriptionSequence, buildPairSequence, buildSentenceSequence, descriptionText, type SpecialIds } from '../src/tokenizer/sequences.js';

const special: SpecialIds = { cls: 101, sep: 102, pad: 0, headStart: [1001], headEnd: [1001], tailStart: [1030], tailEnd: [1030] };
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe('balance', () => {
  it('splits evenly, odd token to the right, and hands unused room to the other side', () => {
    expect(balance(100, 100, 11)).toEqual([5, 6]);
    expect(balance(2, 100, 11)).toEqual([2, 9]);
    expect(balance(100, 3, 11)).toEqual([8, 3]);
    expect(balance(2, 3, 11)).toEqual([2, 3]);
    expect(balance(5, 5, 0)).toEqual([0, 0]);
    expect(balance(100, 100, 11, 'left')).toEqual([6, 5]);
    expect(balance(2, 100, 11, 'left')).toEqual([2, 9]);
  });
});

describe('planWindow', () => {
  it('keeps everything that fits', () => {
    expect(planWindow({ before: 3, first: 2, between: 4, second: 1, after: 5 }, 15)).toEqual({
      beforeTail: 3, first: 2, betweenHead: 2, betweenTail: 2, second: 1, afterHead: 5,
    });
  });
  it('drops far context first, balanced around the entities', () => {
    const plan = planWindow({ before: 50, first: 2, between: 4, second: 1, after: 50 }, 17);
    expect(plan).toEqual({ beforeTail: 5, first: 2, betweenHead: 2, betweenTail: 2, second: 1, afterHead: 5 });
  });
  it('gives the unused share of a short side to the long side (entity near the start)', () => {
    const plan = planWindow({ before: 1, first: 2, between: 4, second: 1, after: 50 }, 17);
    expect(plan.beforeTail).toBe(1);
    expect(plan.afterHead).toBe(9);
  });
  it('entity near the end: context comes from before', () => {
    const plan = planWindow({ before: 200, first: 1, between: 3, second: 2, after: 0 }, 20);
    expect(plan).toMatchObject({ beforeTail: 14, afterHead: 0, first: 1, second: 2 });
  });
  it('cuts the middle of the between-segment when the entities are far apart', () => {
    const plan = planWindow({ before: 10, first: 2, between: 100, second: 3, after: 10 }, 15);
    expect(plan).toEqual({ beforeTail: 0, first: 2, betweenHead: 5, betweenTail: 5, second: 3, afterHead: 0 });
  });
  it('cuts entity tokens from their end only as a last resort', () => {
    // As in the Python reference: the longer entity loses a token at a time, the second on a tie.
    const plan = planWindow({ before: 10, first: 20, between: 10, second: 30, after: 10 }, 11);
    expect(plan).toEqual({ beforeTail: 0, first: 6, betweenHead: 0, betweenTail: 0, second: 5, afterHead: 0 });
    expect(planWindow({ before: 0, first: 30, between: 1, second: 2, after: 0 }, 11)).toMatchObject({ first: 9, second: 2 });
  });
});

describe('applyWindow', () => {
  it('keeps the end of before, the start of after, and both ends of between', () => {
    const kept = applyWindow(
      { before: [1, 2, 3], first: [4, 5], between: [6, 7, 8, 9, 10], second: [11], after: [12, 13, 14] },
      { beforeTail: 2, first: 1, betweenHead: 1, betweenTail: 2, second: 1, afterHead: 1 },
    );
    expect(kept).toEqual({ before: [2, 3], first: [4], between: [6, 9, 10], second: [11], after: [12] });
  });
});

describe('buildSentenceSequence', () => {
  it('assembles [CLS] seg0 M1 seg1 M2 seg2 M3 seg3 M4 seg4 [SEP] with marker positions', () => {
    const sequence = buildSentenceSequence(
      { before: [5], first: [6, 7], between: [8], second: [9], after: [10], headFirst: true },
      special,
      128,
    );
    expect(sequence.ids).toEqual([101, 5, 1001, 6, 7, 1001, 8, 1030, 9, 1030, 10, 102]);
    expect(sequence.headIndex).toBe(2);
    expect(sequence.tailIndex).toBe(7);
    expect(sequence.windowed).toBe(false);
  });
  it('uses tail markers first when the tail comes first, and indices never search for marker ids', () => {
    // The text itself contains the marker id 1001 (a literal "#").
    const sequence = buildSentenceSequence(
      { before: [1001], first: [6], between: [1001], second: [9], after: [], headFirst: false },
      special,
      128,
    );
    expect(sequence.ids).toEqual([101, 1001, 1030, 6, 1030, 1001, 1001, 9, 1001, 102]);
    expect(sequence.tailIndex).toBe(2);
    expect(sequence.headIndex).toBe(6);
  });
  it('windows a long text to exactly maxLength around entities near the end', () => {
    const sequence = buildSentenceSequence(
      { before: range(2000, 500), first: [6], between: [7, 8], second: [9], after: [11], headFirst: true },
      special,
      32,
    );
    // budget 32 - 6 = 26; entities and between take 4; 22 for context: 1 after, 21 before.
    expect(sequence.ids).toEqual([101, ...range(2479, 21), 1001, 6, 1001, 7, 8, 1030, 9, 1030, 11, 102]);
    expect(sequence.headIndex).toBe(22);
    expect(sequence.tailIndex).toBe(27);
    expect(sequence.windowed).toBe(true);
  });
  it('windows a long text with entities near the start, never dropping markers', () => {
    const sequence = buildSentenceSequence(
      { before: [], first: [6], between: range(3000, 5), second: [9], after: range(2000, 1000), headFirst: false },
      special,
      20,
    );
    expect(sequence.ids).toEqual([101, 1030, 6, 1030, ...range(3000, 5), 1001, 9, 1001, ...range(2000, 7), 102]);
    expect(sequence.tailIndex).toBe(1);
    expect(sequence.headIndex).toBe(9);
  });
  it('keeps both entities of a very long text whose entities are far apart', () => {
    const sequence = buildSentenceSequence(
      { before: range(5000, 300), first: [6], between: range(3000, 400), second: [9, 10], after: range(2000, 300), headFirst: true },
      special,
      16,
    );
    // budget 16 - 6 = 10; entities take 3; 7 of between: the first 4 and the last 3; no context.
    expect(sequence.ids).toEqual([101, 1001, 6, 1001, 3000, 3001, 3002, 3003, 3397, 3398, 3399, 1030, 9, 10, 1030, 102]);
  });
});

describe('buildSentenceSequence with nested entities', () => {
  it('nests the markers: outer start, outer part, inner start, inner entity, inner end, outer part, outer end', () => {
    // head outer ("Gulf of Thailand" = [6, 7] + [8]), tail inner ([8])
    const sequence = buildSentenceSequence(
      { before: [5], first: [6, 7], between: [8], second: [], after: [10], headFirst: true, nested: true },
      special,
      128,
    );
    expect(sequence.ids).toEqual([101, 5, 1001, 6, 7, 1030, 8, 1030, 1001, 10, 102]);
    expect(sequence.headIndex).toBe(2);
    expect(sequence.tailIndex).toBe(5);
    const innerHead = buildSentenceSequence(
      { before: [5], first: [6, 7], between: [8], second: [], after: [10], headFirst: false, nested: true },
      special,
      128,
    );
    expect(innerHead.ids).toEqual([101, 5, 1030, 6, 7, 1001, 8, 1001, 1030, 10, 102]);
    expect(innerHead.tailIndex).toBe(2);
    expect(innerHead.headIndex).toBe(5);
  });
  it('keeps context balanced when the outer entity fits, and cuts the outer entity from its end when it does not', () => {
    const fits = buildSentenceSequence(
      { before: range(2000, 50), first: [6], between: [8], second: [9], after: range(3000, 50), headFirst: true, nested: true },
      special,
      16,
    );
    // budget 10; outer entity 3 tokens; 7 of context: 3 before, 4 after.
    expect(fits.ids).toEqual([101, 2047, 2048, 2049, 1001, 6, 1030, 8, 1030, 9, 1001, 3000, 3001, 3002, 3003, 102]);
    const long = buildSentenceSequence(
      { before: [1], first: range(4000, 8), between: [8, 11, 12], second: [9], after: [2], headFirst: true, nested: true },
      special,
      16,
    );
    // budget 10: the outer entity keeps its first 10 tokens, 2 of them the inner entity's.
    expect(long.ids).toEqual([101, 1001, ...range(4000, 8), 1030, 8, 11, 1030, 1001, 102]);
    expect(long.tailIndex).toBe(10);
    expect(long.windowed).toBe(true);
  });
  it('refuses a nested pair whose inner entity starts past the window, instead of marking an empty entity (issue 20)', () => {
    const segments = { before: [1], first: range(4000, 20), between: [8], second: [9], after: [2], nested: true };
    for (const [headFirst, inner, outer] of [[true, 'tail', 'head'], [false, 'head', 'tail']] as const) {
      let caught: unknown;
      try {
        buildSentenceSequence({ ...segments, headFirst }, special, 16);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ZsreError);
      expect((caught as ZsreError).code).toBe('NESTED_ENTITY_CUT');
      expect((caught as ZsreError).message).toContain(`The ${inner} entity lies inside the ${outer} entity and starts 20 tokens into it, past the 10 tokens`);
    }
    // Exactly at the edge: one token of the inner entity fits, and it is answered.
    expect(buildSentenceSequence({ ...segments, first: range(4000, 9), headFirst: true }, special, 16).ids).toContain(8);
  });
  it('matches planWindow on the Python rule for nested entities', () => {
    expect(planWindow({ before: 0, first: 3, between: 4, second: 5, after: 0 }, 10, true)).toEqual({
      beforeTail: 0, first: 3, betweenHead: 4, betweenTail: 0, second: 3, afterHead: 0,
    });
  });
});

describe('description and pair sequences', () => {
  it('frames and truncates a description keeping the final [SEP]', () => {
    expect(buildDescriptionSequence([1, 2, 3], special, 64)).toEqual([101, 1, 2, 3, 102]);
    expect(buildDescriptionSequence(range(1, 10), special, 6)).toEqual([101, 1, 2, 3, 4, 102]);
  });
  it('builds [CLS] sentence [SEP] description [SEP] with token types 0 through the first [SEP]', () => {
    const pair = buildPairSequence({ ids: [101, 5, 6, 102], headIndex: 1, tailIndex: 2 }, [101, 7, 8, 9, 102]);
    expect(pair.ids).toEqual([101, 5, 6, 102, 7, 8, 9, 102]);
    expect(pair.typeIds).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect([pair.headIndex, pair.tailIndex]).toEqual([1, 2]);
  });
  it('fills the templates, with the name-only template when there is no description', () => {
    const templates = { template: '{name} is {description}', nameOnlyTemplate: '{name}' };
    expect(descriptionText({ name: 'spouse', description: 'the $& partner' }, templates)).toBe('spouse is the $& partner');
    expect(descriptionText({ name: 'spouse' }, templates)).toBe('spouse');
  });
});

describe('planWindow against the rules as the Python reference states them', () => {
  // training/zsre_train/text.py window_lengths, transcribed: entities shrink one token at a time.
  function reference(l: [number, number, number, number, number], budget: number): number[] {
    const [l0, l1, l2, l3, l4] = l;
    if (l1 + l2 + l3 <= budget) {
      const rest = budget - (l1 + l2 + l3);
      const left = Math.min(l0, Math.max(Math.floor(rest / 2), rest - l4));
      return [left, l1, l2, l3, Math.min(l4, rest - left)];
    }
    if (l1 + l3 <= budget) return [0, l1, budget - l1 - l3, l3, 0];
    let [e1, e2] = [l1, l3];
    while (e1 + e2 > budget) {
      if (e1 > e2) e1 -= 1;
      else e2 -= 1;
    }
    return [0, e1, 0, e2, 0];
  }

  it('agrees on 2,000 random cases', () => {
    let seed = 1;
    const next = (max: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % (max + 1);
    };
    for (let trial = 0; trial < 2000; trial += 1) {
      const lengths: [number, number, number, number, number] = [next(80), 1 + next(12), next(80), 1 + next(12), next(80)];
      const budget = 1 + next(60);
      const plan = planWindow({ before: lengths[0], first: lengths[1], between: lengths[2], second: lengths[3], after: lengths[4] }, budget);
      const ours = [plan.beforeTail, plan.first, plan.betweenHead + plan.betweenTail, plan.second, plan.afterHead];
      const total = lengths.reduce((a, b) => a + b, 0);
      expect(ours, JSON.stringify({ lengths, budget })).toEqual(total <= budget ? lengths : reference(lengths, budget));
    }
  });
});
