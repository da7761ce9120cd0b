import { type CharSpan, locatePair, tokenItemToText } from '../entities/locate.js';
import { entityTypeOf } from '../entities/schema.js';
import { isZsreError, ZsreError } from '../errors.js';
import { cutSegments } from '../markers/segments.js';
import { type ExtractItem, extractItemSchema, parseInput, type Span } from '../schemas.js';
import type { TextTokenizer } from '../tokenizer/textTokenizer.js';
import { buildSentenceSequence, type SentenceSequence } from '../tokenizer/sequences.js';

/** An item after validation, entity location, marking and tokenization: ready for the bi-encoder. */
export interface PreparedItem {
  id?: string;
  head: Span;
  tail: Span;
  /** The entities' types where the item names them (object entity forms): they limit which relations may be the answer (rank.ts). */
  headType?: string;
  tailType?: string;
  sequence: SentenceSequence;
}

/**
 * validate (zod) -> locate entities -> cut five segments -> tokenize each -> assemble with
 * markers and window. Within a batch (`position` given) errors name the item's position.
 */
export function prepareItem(item: ExtractItem, tokenizer: TextTokenizer, maxLength: number, position?: number): PreparedItem {
  try {
    const valid = parseInput(extractItemSchema, item, 'item');
    const { text, head, tail } = 'tokens' in valid ? tokenItemToText(valid) : { text: valid.text, ...locatePair(valid.text, valid.head, valid.tail) };
    const segments = cutSegments(text, head, tail);
    const sequence = buildSentenceSequence(
      {
        before: tokenizer.encode(segments.before),
        first: tokenizer.encode(segments.first),
        between: tokenizer.encode(segments.between),
        second: tokenizer.encode(segments.second),
        after: tokenizer.encode(segments.after),
        headFirst: segments.headFirst,
        nested: segments.nested,
      },
      tokenizer.special,
      maxLength,
    );
    const prepared: PreparedItem = { head: toSpan(text, head), tail: toSpan(text, tail), sequence };
    if (valid.id !== undefined) prepared.id = valid.id;
    if (!('tokens' in valid)) {
      const headType = entityTypeOf(valid.head);
      const tailType = entityTypeOf(valid.tail);
      if (headType !== undefined) prepared.headType = headType;
      if (tailType !== undefined) prepared.tailType = tailType;
    }
    return prepared;
  } catch (error) {
    if (!isZsreError(error) || position === undefined) throw error;
    throw new ZsreError(error.code, `Item ${position}: ${error.message}`, { cause: error, context: { ...error.context, item: position } });
  }
}

function toSpan(text: string, span: CharSpan): Span {
  return { start: span.start, end: span.end, text: text.slice(span.start, span.end) };
}
