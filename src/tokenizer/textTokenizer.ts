import type { SpecialIds } from './sequences.js';

/** What the pipeline needs from a tokenizer: ids for a piece of text, and the special ids. */
export interface TextTokenizer {
  /** Ids of `text` without special tokens (BERT basic + WordPiece, lower-cased as configured). */
  encode(text: string): number[];
  readonly special: SpecialIds;
  /** true when the ids of a text are its whitespace-separated words' ids, concatenated (see words.ts). */
  readonly wordByWord?: boolean;
}
