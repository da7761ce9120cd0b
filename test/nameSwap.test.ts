import { describe, expect, it } from 'vitest';
import type { GoldItem } from '../benchmarks/lib/datasets.js';
import { pickDonors, swapEntityNames } from '../benchmarks/lib/nameSwap.js';

const item: GoldItem = { tokens: ['Ada', 'Lovelace', 'was', 'born', 'in', 'London', '.'], head: [0, 1], tail: [5], gold: 'P19' };
const donor: GoldItem = { tokens: ['Paris', 'is', 'the', 'capital', 'of', 'the', 'French', 'Republic'], head: [6, 7], tail: [0], gold: 'P36' };

describe('swapEntityNames (name-bias probe)', () => {
  it('puts the donor head and tail where the item had them, indices following the new lengths', () => {
    const swapped = swapEntityNames(item, donor);
    expect(swapped.tokens).toEqual(['French', 'Republic', 'was', 'born', 'in', 'Paris', '.']);
    expect(swapped.head).toEqual([0, 1]);
    expect(swapped.tail).toEqual([5]);
    expect(swapped.gold).toBe('P19');
  });

  it('handles a tail before the head and mentions of different lengths', () => {
    const tailFirst: GoldItem = { tokens: ['In', 'London', ',', 'Ada', 'was', 'born'], head: [3], tail: [1], gold: 'P19' };
    const swapped = swapEntityNames(tailFirst, donor);
    expect(swapped.tokens).toEqual(['In', 'Paris', ',', 'French', 'Republic', 'was', 'born']);
    expect(swapped.tail).toEqual([1]);
    expect(swapped.head).toEqual([3, 4]);
  });

  it('refuses overlapping pairs', () => {
    expect(() => swapEntityNames({ ...item, tail: [1] }, donor)).toThrow(/overlap/);
  });
});

describe('pickDonors', () => {
  it('gives each item a donor of the next relation, cyclically and deterministically', () => {
    const a1 = { ...item, gold: 'A' };
    const a2 = { ...item, tokens: [...item.tokens], gold: 'A' };
    const b1 = { ...donor, gold: 'B' };
    const donors = pickDonors([a1, a2, b1]);
    expect(donors.map((d) => d.gold)).toEqual(['B', 'B', 'A']);
    expect(donors[2]).toBe(a1);
    expect(() => pickDonors([a1, a2])).toThrow(/two relations/);
  });
});
