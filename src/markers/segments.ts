import type { CharSpan } from '../entities/locate.js';

/**
 * The five pieces of a sentence between its four entity markers, in text order; each piece is
 * tokenized on its own (see docs/model-directory.md, "Text preparation").
 *
 * Entities apart:        before M1 first M2 between M3 second M4 after
 *   (first/second = the entity that comes first/second in the text; between = the text between)
 * One inside the other:  before M1 first M2 between M3 second M4 after
 *   with M1/M4 around the outer entity and M2/M3 around the inner one, so
 *   first = outer text before the inner entity, between = the inner entity,
 *   second = outer text after the inner entity ("# Gulf of @ Thailand @ #").
 */
export interface Segments {
  before: string;
  first: string;
  between: string;
  second: string;
  after: string;
  /** true when the head's markers open first: the head comes first, or is the outer entity. */
  headFirst: boolean;
  /** true when one entity lies inside the other (markers nest). */
  nested: boolean;
}

/** Cuts the text at the entity boundaries. Pure; spans are valid, and disjoint or nested (not identical). */
export function cutSegments(text: string, head: CharSpan, tail: CharSpan): Segments {
  const headInTail = tail.start <= head.start && head.end <= tail.end;
  const tailInHead = head.start <= tail.start && tail.end <= head.end;
  if (headInTail || tailInHead) {
    const [outer, inner] = tailInHead ? [head, tail] : [tail, head];
    return {
      before: text.slice(0, outer.start),
      first: text.slice(outer.start, inner.start),
      between: text.slice(inner.start, inner.end),
      second: text.slice(inner.end, outer.end),
      after: text.slice(outer.end),
      headFirst: tailInHead,
      nested: true,
    };
  }
  const headFirst = head.start < tail.start;
  const [a, b] = headFirst ? [head, tail] : [tail, head];
  return {
    before: text.slice(0, a.start),
    first: text.slice(a.start, a.end),
    between: text.slice(a.end, b.start),
    second: text.slice(b.start, b.end),
    after: text.slice(b.end),
    headFirst,
    nested: false,
  };
}
