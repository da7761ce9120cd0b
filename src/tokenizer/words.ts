import type { TextTokenizer } from './textTokenizer.js';

/**
 * Tokenizing a whole document once instead of once per entity pair.
 *
 * Every pair of a document cuts the same text into five segments at different places, and each
 * segment is tokenized on its own (docs/model-directory.md, "Text preparation"). For a BERT
 * tokenizer (BertNormalizer, BertPreTokenizer, WordPiece) the ids of a piece of text are the ids
 * of its whitespace-separated words, concatenated: the normalizer works character by character
 * (whitespace stays whitespace), the pre-tokenizer never joins across whitespace, and WordPiece
 * works inside one pre-token. So a segment's ids can be built from per-word ids computed once per
 * distinct word, and each pair costs a split and a few map lookups instead of a tokenizer run over
 * the whole text. test/wordTokenizer.test.ts checks the equality against the plain encoding on
 * sentences in many scripts, cut at random places. Any other tokenizer takes the plain path.
 */

/** The characters the text is cut at: ASCII whitespace, which the BERT normalizer and pre-tokenizer treat as a word break. */
const wordBreaks = /[ \t\n\r]+/;

/**
 * Whether a tokenizer.json is the BERT kind for which per-word ids concatenate to the ids of the
 * text. Anything not known to be safe (another normalizer or pre-tokenizer, an added token that
 * holds whitespace, a file that does not parse) answers false.
 */
export function tokenizesWordByWord(config: unknown): boolean {
  if (typeof config !== 'object' || config === null) return false;
  const { normalizer, pre_tokenizer: preTokenizer, model, added_tokens: addedTokens } = config as Record<string, unknown>;
  const typeOf = (part: unknown): unknown => (typeof part === 'object' && part !== null ? (part as { type?: unknown }).type : undefined);
  if (typeOf(normalizer) !== 'BertNormalizer' || typeOf(preTokenizer) !== 'BertPreTokenizer' || typeOf(model) !== 'WordPiece') return false;
  if (addedTokens === undefined) return true;
  if (!Array.isArray(addedTokens)) return false;
  return addedTokens.every((token) => typeof token === 'object' && token !== null && typeof (token as { content?: unknown }).content === 'string' && !/\s/u.test((token as { content: string }).content));
}

/**
 * A tokenizer that encodes each distinct word once and remembers it. Only for tokenizers with
 * `wordByWord` set (see above); the memo lives as long as the returned object, so keep one per
 * batch or document, not per process.
 */
export function memoizeWords(tokenizer: TextTokenizer): TextTokenizer {
  const memo = new Map<string, readonly number[]>();
  const encode = (text: string): number[] => {
    const ids: number[] = [];
    for (const word of text.split(wordBreaks)) {
      if (word === '') continue;
      let wordIds = memo.get(word);
      if (wordIds === undefined) {
        wordIds = tokenizer.encode(word);
        memo.set(word, wordIds);
      }
      for (const id of wordIds) ids.push(id);
    }
    return ids;
  };
  return { encode, special: tokenizer.special, wordByWord: true };
}

/**
 * The tokenizer for each item of a batch: items that share their text with another item of the
 * batch (the pairs of one document) share one word memo; the others, and every item when the
 * tokenizer is not word-by-word, use the plain tokenizer, which is faster for a text seen once.
 */
export function batchTokenizers(items: readonly unknown[], tokenizer: TextTokenizer): (item: unknown) => TextTokenizer {
  if (tokenizer.wordByWord !== true) return () => tokenizer;
  const counts = new Map<string, number>();
  for (const item of items) {
    const text = textOf(item);
    if (text !== undefined) counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  if (![...counts.values()].some((count) => count > 1)) return () => tokenizer;
  const memo = memoizeWords(tokenizer);
  return (item) => {
    const text = textOf(item);
    return text !== undefined && (counts.get(text) ?? 0) > 1 ? memo : tokenizer;
  };
}

/** The text of an item in the string/span form; undefined for anything else (validation comes later). */
function textOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { text } = item as { text?: unknown };
  return typeof text === 'string' ? text : undefined;
}
