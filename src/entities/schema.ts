import { z } from 'zod';

/**
 * The shapes of entities and items: what a caller passes to extract(), and what a relation's
 * example sentence looks like. They sit here, below both src/schemas.ts (the extractor's
 * boundary) and src/relations/ (relation definitions, whose examples are items), so that every
 * import points down.
 */

const nonNegativeInt = z.number().int().nonnegative();

/** An entity: a string found in the text, its n-th occurrence (0-based), or a [start, end) span. */
export const entityRefSchema = z.union(
  [
    z.string(),
    z.object({ text: z.string(), occurrence: nonNegativeInt.optional() }).strict(),
    z.object({ start: nonNegativeInt, end: nonNegativeInt }).strict(),
  ],
  { error: 'must be a string, { text, occurrence? } or { start, end } with non-negative integers' },
);

export const textItemSchema = z
  .object({ text: z.string(), head: entityRefSchema, tail: entityRefSchema, id: z.string().optional() })
  .strict();

/** FewRel form: words plus word indices; result offsets refer to `tokens.join(' ')`. */
export const tokenItemSchema = z
  .object({
    tokens: z.array(z.string()),
    head: z.array(nonNegativeInt).min(1, 'must list at least one token index'),
    tail: z.array(nonNegativeInt).min(1, 'must list at least one token index'),
    id: z.string().optional(),
  })
  .strict();

export const extractItemSchema = z.union([textItemSchema, tokenItemSchema]);

export type EntityRef = z.infer<typeof entityRefSchema>;
export type TextItem = z.infer<typeof textItemSchema>;
export type TokenItem = z.infer<typeof tokenItemSchema>;
export type ExtractItem = z.infer<typeof extractItemSchema>;

/** A character span [start, end) in JS string indices of the caller's text, with its text. */
export interface Span {
  start: number;
  end: number;
  text: string;
}
