import { type CharSpan, spanRelation } from '../entities/locate.js';
import type { ZsreErrorCode } from '../errors.js';
import type { Span } from '../entities/schema.js';
import { sentenceAt, type SentenceSpan } from './sentences.js';

/**
 * Which entity pairs of one text get classified: the one pairing rule behind `extractAll` and
 * `extractDocument`. Pure: spans in, pairs out, nothing run.
 */

export type { CharSpan };

/** An ordered pair: head and tail. */
export interface EntityPair {
  head: Span;
  tail: Span;
  /**
   * The part of the text to classify the pair in (the sentences that hold head and tail), when
   * pairing went by sentences; absent: the whole text.
   */
  context?: CharSpan;
  /** The entities' types where the caller named them (relations/types.ts). */
  headType?: string;
  tailType?: string;
}

/** An entity span to pair, with its type where known. */
export type TypedSpan = CharSpan & { type?: string | undefined };

/** A pair that was not classified, and why (a ZsreError code and a message that says what to do). */
export interface SkippedPair {
  head: Span;
  tail: Span;
  code: ZsreErrorCode;
  message: string;
}

export interface PairingOptions {
  /** Pairs with more whitespace-separated words than this between them are left out. Default: no limit. */
  maxWordsBetween?: number;
  /** 'both' (default): each pair in both directions; 'forward': head starting before tail only. */
  directions?: 'both' | 'forward';
  /**
   * Pair by sentences: only entities at most `maxSentencesApart` sentences apart (0: the same
   * sentence) are paired, and each pair carries the sentences that hold it as its `context`.
   * Absent: any distance, the whole text as context.
   */
  sentences?: { spans: readonly SentenceSpan[]; maxSentencesApart: number };
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
export function pairEntities(text: string, spans: readonly TypedSpan[], options: PairingOptions = {}): Pairing {
  const distinct: CharSpan[] = [];
  // A span named twice keeps the first type given for it.
  const typeOf = new Map<string, string>();
  for (const span of spans) {
    const key = `${span.start}:${span.end}`;
    if (span.type !== undefined && !typeOf.has(key)) typeOf.set(key, span.type);
    if (!distinct.some((seen) => seen.start === span.start && seen.end === span.end)) distinct.push({ start: span.start, end: span.end });
  }
  distinct.sort((a, b) => a.start - b.start || a.end - b.end);
  const entities = distinct.map((span) => ({ ...span, text: text.slice(span.start, span.end) }));
  const starts = options.maxWordsBetween === undefined ? [] : wordStarts(text);
  const bySentence = options.sentences;
  const sentenceRange = new Map<Span, [number, number]>(
    bySentence === undefined ? [] : entities.map((entity) => [entity, sentenceRangeOf(bySentence.spans, entity)]),
  );
  const pairs: EntityPair[] = [];
  const skipped: SkippedPair[] = [];
  for (const head of entities) {
    for (const tail of entities) {
      if (head === tail) continue;
      if (options.directions === 'forward' && head.start > tail.start) continue;
      if (options.maxWordsBetween !== undefined && wordsBetween(starts, head, tail) > options.maxWordsBetween) continue;
      let context: CharSpan | undefined;
      if (bySentence !== undefined) {
        const [headFirst, headLast] = sentenceRange.get(head) as [number, number];
        const [tailFirst, tailLast] = sentenceRange.get(tail) as [number, number];
        const apart = Math.max(0, tailFirst - headLast, headFirst - tailLast);
        if (apart > bySentence.maxSentencesApart) continue;
        const first = bySentence.spans[Math.min(headFirst, tailFirst)] as SentenceSpan;
        const last = bySentence.spans[Math.max(headLast, tailLast)] as SentenceSpan;
        context = { start: Math.min(first.start, head.start, tail.start), end: Math.max(last.end, head.end, tail.end) };
      }
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
      const pair: EntityPair = context === undefined ? { head, tail } : { head, tail, context };
      const headType = typeOf.get(`${head.start}:${head.end}`);
      const tailType = typeOf.get(`${tail.start}:${tail.end}`);
      if (headType !== undefined) pair.headType = headType;
      if (tailType !== undefined) pair.tailType = tailType;
      pairs.push(pair);
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

/**
 * The first and last sentence an entity touches. An entity that falls in no sentence (only
 * possible for a span of whitespace) takes the sentence after it.
 */
function sentenceRangeOf(sentences: readonly SentenceSpan[], span: CharSpan): [number, number] {
  const locate = (offset: number): number => {
    const found = sentenceAt(sentences, offset);
    if (found >= 0) return found;
    const after = sentences.findIndex((sentence) => sentence.start > offset);
    return after >= 0 ? after : Math.max(0, sentences.length - 1);
  };
  const first = locate(span.start);
  return [first, Math.max(first, locate(Math.max(span.start, span.end - 1)))];
}
