import { z } from 'zod';
import { ZsreError } from '../errors.js';
import { entityRefSchema, parseInput, type Span, type Triple } from '../schemas.js';

/**
 * A document line of `zsre extract`: a paragraph whose entities are listed (or, without
 * `entities`, found by the rule-based finder), for which every relation between entity pairs is
 * wanted. Parsed here; run through the documents API (extractDocument).
 */
export const documentLineSchema = z
  .object({
    text: z.string(),
    entities: z.array(entityRefSchema).optional(),
    maxTokenDistance: z.number().int().nonnegative().optional(),
    directions: z.enum(['both', 'forward']).optional(),
    pairs: z.enum(['sentence', 'window', 'all']).optional(),
    windowSentences: z.number().int().positive().optional(),
    id: z.string().optional(),
  })
  .strict();

export type DocumentLine = z.infer<typeof documentLineSchema>;

/** What a document line's output record holds: the entity spans used and every triple found. */
export interface DocumentOutput {
  entities: Span[];
  triples: Triple[];
}

// Only these fields are read from a document line; other top-level fields are passed over, as for
// items (records.ts refuses one that looks like a misspelt field first).
const documentFields = ['text', 'entities', 'maxTokenDistance', 'directions', 'pairs', 'windowSentences', 'id'] as const;
const itemOnlyFields = ['head', 'tail', 'tokens'] as const;

/**
 * A line is a document when it lists `entities`, or has a text but no head, tail or tokens; a
 * line that mixes the two forms is refused rather than guessed at.
 */
export function isDocumentLine(source: Record<string, unknown>): boolean {
  const itemFields = itemOnlyFields.filter((field) => field in source);
  if (!('entities' in source)) return itemFields.length === 0 && 'text' in source;
  if (itemFields.length > 0) {
    throw new ZsreError(
      'INVALID_INPUT',
      `Invalid line: it has "entities" (a document) and ${itemFields.map((field) => `"${field}"`).join(', ')} (an item): ` +
        'pass {text, entities?} for every relation in a paragraph, or {text, head, tail} for one pair.',
    );
  }
  return true;
}

export function parseDocumentLine(source: Record<string, unknown>, line: number): DocumentLine {
  const picked: Record<string, unknown> = {};
  for (const field of documentFields) if (field in source) picked[field] = source[field];
  const document = parseInput(documentLineSchema, picked, `document at line ${line}`);
  if (document.text.trim() === '') {
    throw new ZsreError('EMPTY_TEXT', `The document at line ${line} has an empty text: give the paragraph to read in "text".`, { context: { line } });
  }
  return document;
}
