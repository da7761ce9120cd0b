import { type CharSpan, spanRelation } from '../entities/locate.js';
import type { ZsreErrorCode } from '../errors.js';
import type { Span } from '../entities/schema.js';

/**
 * Which entity pairs of one text get classified: the one pairing rule behind `extractAll` and
 * `extractDocument`. Pure: spans in, pairs out, nothing run.
 */

export type { CharSpan };

/** An ordered pair: head and tail. */
export interface EntityPair {
  head: Span;
  tail: Span;
}

/** A pair that was not classified, and why (a ZsreError code and a message that says what to do). */
export interface SkippedPair extends EntityPair {
  code: ZsreErrorCode;
  message: string;
}

export interface PairingOptions {
  /** Pairs with more whitespace-separated words than this between them are left out. Default: no limit. */
  maxWordsBetween?: number;
  /** 'both' (default): each pair in both directions; 'forward': head starting before tail only. */
  directions?: 'both' | 'forward';
}

export interface Pairing {
  /** The distinct entity spans, in text order (by start, then end). */
  entities: Span[];
  /** The ordered pairs to classify: for each head in text order, its tails in text order. */
  pairs: EntityPair[];
  /** Ordered pairs left out because head and tail partly overlap; one entry per direction. */
  skipped: SkippedPair[];
}

/**
 * Every ordered pair of distinct entities. The same span named twice is one entity. A span
 * strictly inside another ("Thailand" in "Gulf of Thailand") is paired with it: nested entities
 * are ordinary in real text. Spans that partly overlap ("New York" / "York City") cannot both be
 * marked, so they are not paired, and `skipped` says so. `maxWordsBetween` and `directions` leave
 * pairs out because the caller asked for it; those are not reported.
 */
export function pairEntities(text: string, spans: readonly CharSpan[], options: PairingOptions = {}): Pairing {
  const distinct: CharSpan[] = [];
  for (const span of spans) {
    if (!distinct.some((seen) => seen.start === span.start && seen.end === span.end)) distinct.push({ start: span.start, end: span.end });
  }
  distinct.sort((a, b) => a.start - b.start || a.end - b.end);
  const entities = distinct.map((span) => ({ ...span, text: text.slice(span.start, span.end) }));
  const starts = options.maxWordsBetween === undefined ? [] : wordStarts(text);
  const pairs: EntityPair[] = [];
  const skipped: SkippedPair[] = [];
  for (const head of entities) {
    for (const tail of entities) {
      if (head === tail) continue;
      if (options.directions === 'forward' && head.start > tail.start) continue;
      if (options.maxWordsBetween !== undefined && wordsBetween(starts, head, tail) > options.maxWordsBetween) continue;
      if (partlyOverlap(head, tail)) {
        skipped.push({
          head,
          tail,
          code: 'ENTITY_OVERLAP',
          message:
            `The entities "${head.text}" [${head.start}, ${head.end}) and "${tail.text}" [${tail.start}, ${tail.end}) partly overlap, ` +
            'so they cannot be marked as a pair and were not classified: give spans that are disjoint or one inside the other.',
        });
        continue;
      }
      pairs.push({ head, tail });
    }
  }
  return { entities, pairs, skipped };
}

/** Overlapping, but neither inside the other: such a pair cannot be marked (entities/locate.ts). */
export function partlyOverlap(a: CharSpan, b: CharSpan): boolean {
  return spanRelation(a, b) === 'crossing';
}

/** Start offsets of the whitespace-separated words of a text, ascending. */
export function wordStarts(text: string): number[] {
  return [...text.matchAll(/\S+/gu)].map((match) => match.index);
}

/**
 * Words strictly between two spans (0 when they touch, share a word or nest): the distance that
 * maxWordsBetween limits. Counted on whitespace-separated words, which is what a reader counts.
 */
export function wordsBetween(starts: readonly number[], a: CharSpan, b: CharSpan): number {
  const [first, second] = a.start <= b.start ? [a, b] : [b, a];
  let count = 0;
  for (const start of starts) {
    if (start >= first.end && start < second.start) count += 1;
  }
  return count;
}
