/**
 * The name-bias probe's edit (issue 11, "context over names"): a sentence keeps its words but its
 * head and tail mentions are replaced by the head and tail mentions of a donor sentence of
 * another relation. A model that reads the context keeps its answer; one that reads the names
 * follows the donor. Pure, over FewRel's token form.
 */
import type { GoldItem } from './datasets.js';

/** The item with its head/tail tokens replaced by the donor's head/tail tokens; indices follow. */
export function swapEntityNames(item: GoldItem, donor: GoldItem): GoldItem {
  const span = (indices: readonly number[]): [number, number] => [Math.min(...indices), Math.max(...indices) + 1];
  const [headStart, headEnd] = span(item.head);
  const [tailStart, tailEnd] = span(item.tail);
  if (headStart < tailEnd && tailStart < headEnd) throw new Error('swapEntityNames: head and tail overlap; the probe uses disjoint pairs only');
  const donorHead = tokensOf(donor, donor.head);
  const donorTail = tokensOf(donor, donor.tail);
  const headFirst = headStart < tailStart;
  const [first, second] = headFirst
    ? [{ start: headStart, end: headEnd, words: donorHead }, { start: tailStart, end: tailEnd, words: donorTail }]
    : [{ start: tailStart, end: tailEnd, words: donorTail }, { start: headStart, end: headEnd, words: donorHead }];
  const tokens = [
    ...item.tokens.slice(0, first.start),
    ...first.words,
    ...item.tokens.slice(first.end, second.start),
    ...second.words,
    ...item.tokens.slice(second.end),
  ];
  const firstAt = first.start;
  const secondAt = first.start + first.words.length + (second.start - first.end);
  const range = (start: number, length: number): number[] => Array.from({ length }, (_, i) => start + i);
  const firstRange = range(firstAt, first.words.length);
  const secondRange = range(secondAt, second.words.length);
  return { tokens, head: headFirst ? firstRange : secondRange, tail: headFirst ? secondRange : firstRange, gold: item.gold };
}

function tokensOf(item: GoldItem, indices: readonly number[]): string[] {
  return item.tokens.slice(Math.min(...indices), Math.max(...indices) + 1);
}

/**
 * Pairs each item with a donor of another relation: item i of relation r takes item i (cyclic)
 * of the next relation in the list, so every donor is deterministic and of a different relation.
 */
export function pickDonors(items: readonly GoldItem[]): GoldItem[] {
  const byRelation = new Map<string, GoldItem[]>();
  for (const item of items) byRelation.set(item.gold, [...(byRelation.get(item.gold) ?? []), item]);
  const relations = [...byRelation.keys()];
  if (relations.length < 2) throw new Error('pickDonors: the probe needs sentences of at least two relations');
  const seen = new Map<string, number>();
  return items.map((item) => {
    const position = seen.get(item.gold) ?? 0;
    seen.set(item.gold, position + 1);
    const next = relations[(relations.indexOf(item.gold) + 1) % relations.length] as string;
    const pool = byRelation.get(next) as GoldItem[];
    return pool[position % pool.length] as GoldItem;
  });
}
