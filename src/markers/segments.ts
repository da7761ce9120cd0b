import type { CharSpan } from '../entities/locate.js';

/**
 * The five pieces of a sentence around its two entities, in text order. Markers go between
 * them; each piece is tokenized on its own (see docs/model-directory.md, "Text preparation").
 */
export interface Segments {
  before: string;
  first: string;
  between: string;
  second: string;
  after: string;
  /** true when the head is the first entity in the text (head markers come first). */
  headFirst: boolean;
}

/** Cuts the text at the entity boundaries. Pure; spans are assumed valid and disjoint. */
export function cutSegments(text: string, head: CharSpan, tail: CharSpan): Segments {
  const headFirst = head.start < tail.start;
  const [a, b] = headFirst ? [head, tail] : [tail, head];
  return {
    before: text.slice(0, a.start),
    first: text.slice(a.start, a.end),
    between: text.slice(a.end, b.start),
    second: text.slice(b.start, b.end),
    after: text.slice(b.end),
    headFirst,
  };
}
