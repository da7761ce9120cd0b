import { z } from 'zod';

/**
 * The shapes of entities and items: what a caller passes to extract(), and what a relation's
 * example sentence looks like. They sit here, below both src/schemas.ts (the extractor's
 * boundary) and src/relations/ (relation definitions, whose examples are items), so that every
 * import points down.
 */

const nonNegativeInt = z.number().int().nonnegative();

/**
 * An entity's type ("person", "PER", "chemical"...): any label the caller's NER or data uses. It
 * only matters against relations that declare `headTypes` / `tailTypes` (src/relations/types.ts).
 */
const entityTypeSchema = z.string().trim().min(1, 'must be a non-empty string (an entity type such as "person")');

/**
 * An entity: a string found in the text, its n-th occurrence (0-based), or a [start, end) span;
 * the object forms may name the entity's `type`.
 */
export const entityRefSchema = z.union(
  [
    z.string(),
    z.object({ text: z.string(), occurrence: nonNegativeInt.optional(), type: entityTypeSchema.optional() }).strict(),
    z.object({ start: nonNegativeInt, end: nonNegativeInt, type: entityTypeSchema.optional() }).strict(),
  ],
  { error: 'must be a string, { text, occurrence?, type? } or { start, end, type? } with non-negative integers' },
);

/** The type an entity reference names, if any (a bare string names none). */
export function entityTypeOf(ref: EntityRef): string | undefined {
  return typeof ref === 'string' ? undefined : ref.type;
}

/** Types compare without regard to case or surrounding spaces ("PER" = "per"). */
export const normaliseEntityType = (type: string): string => type.trim().toLowerCase();

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
