import { z } from 'zod';
import { locatePair, tokenItemToText } from '../entities/locate.js';
import { entityTypeOf, normaliseEntityType, textItemSchema, tokenItemSchema } from '../entities/schema.js';
import { isZsreError, ZsreError } from '../errors.js';

/**
 * One example sentence of a relation: an item (text or FewRel token form, any entity form the
 * library accepts) in which the relation holds between head and tail. No `id`: an example is
 * named by its relation and position.
 */
export const relationExampleSchema = z.union([textItemSchema.omit({ id: true }).strict(), tokenItemSchema.omit({ id: true }).strict()]);
export type RelationExample = z.infer<typeof relationExampleSchema>;

const entityTypesSchema = z
  .array(z.string().trim().min(1, 'must list non-empty type names'), { error: 'must be an array of entity type names, e.g. ["person"]' })
  .min(1, 'must list at least one entity type (leave the field out to admit every type)');

/**
 * One candidate relation. Ids, names and descriptions are trimmed, because stray whitespace
 * from hand-edited files would otherwise change the description text the model encodes.
 * An empty description counts as none (the model then uses its name-only template).
 */
export const relationSchema = z
  .object({
    id: z.string().trim().min(1, 'must be a non-empty string'),
    name: z.string().trim().min(1, 'must be a non-empty string'),
    description: z
      .string()
      .trim()
      .optional()
      .transform((value) => (value === undefined || value === '' ? undefined : value)),
    // Checked one by one below (parseExamples), so that a message names the example.
    examples: z.array(z.unknown(), { error: 'must be an array of example items {text, head, tail} or {tokens, head, tail}' }).optional(),
    // The entity types the relation admits as head / as tail (types.ts): a pair whose entity has
    // another known type is not classified as this relation.
    headTypes: entityTypesSchema.optional(),
    tailTypes: entityTypesSchema.optional(),
  })
  // A field the library does not know is an error, never silently dropped (a misspelt
  // "exmaples" would otherwise give the answers of a relation without examples).
  .strict();

/**
 * Written out rather than z.infer'd: the transform above makes zod's output type carry
 * `description: string | undefined` as a required key, while results omit the key when there is
 * no description (parseRelation below), which is what callers spreading relations expect.
 */
export type Relation = {
  id: string;
  name: string;
  description?: string;
  examples?: RelationExample[];
  /** Entity types the relation admits as head; absent: any. */
  headTypes?: string[];
  /** Entity types the relation admits as tail; absent: any. */
  tailTypes?: string[];
};

/** Names an entry for error messages: "entry 3" for arrays, "line 7 of file.jsonl" for files. */
export type DescribeEntry = (position: number) => string;

export const describeArrayEntry: DescribeEntry = (index) => `entry ${index} (0-based)`;

/** Validates one raw value as a relation; throws INVALID_INPUT naming the entry and the field. */
export function parseRelation(
  value: unknown,
  position: number,
  describe: DescribeEntry,
  context: Record<string, unknown> = {},
): Relation {
  const parsed = relationSchema.safeParse(value);
  if (parsed.success) {
    const { id, name, description, examples, headTypes, tailTypes } = parsed.data;
    const relation: Relation = description === undefined ? { id, name } : { id, name, description };
    if (examples !== undefined) relation.examples = parseExamples(id, examples, describe(position), context);
    if (headTypes !== undefined) relation.headTypes = headTypes;
    if (tailTypes !== undefined) relation.tailTypes = tailTypes;
    checkExampleTypes(relation, describe(position), context);
    return relation;
  }
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    throw new ZsreError(
      'INVALID_INPUT',
      `Invalid relation at ${describe(position)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}. ` +
        'A relation has {"id", "name", "description"?, "examples"?, "headTypes"?, "tailTypes"?}; remove or rename the field.',
      { cause: parsed.error, context: { ...context, position, field: issue.keys[0] } },
    );
  }
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(the entry itself)';
  const received = describeReceived(value, issue?.path ?? []);
  throw new ZsreError(
    'INVALID_INPUT',
    `Invalid relation at ${describe(position)}: field "${field}" ${issue?.message ?? 'is invalid'}` +
      ` (received ${received}). Each relation needs {"id": string, "name": string, "description"?: string, "examples"?: [...], "headTypes"?: [string], "tailTypes"?: [string]}.`,
    { cause: parsed.error, context: { ...context, position, field } },
  );
}

/**
 * Validates a relation's examples as items are validated (shape, then the entities located in
 * the text), so that a bad example fails when the relations load, naming the relation and the
 * example, not later inside a model call. An empty list is the same as none.
 */
function parseExamples(relationId: string, values: readonly unknown[], where: string, context: Record<string, unknown>): RelationExample[] | undefined {
  const examples = values.map((value, index) =>
    parseExample(value, `example ${index} (0-based) of relation "${relationId}" at ${where}`, { ...context, relation: relationId, example: index }),
  );
  return examples.length === 0 ? undefined : examples;
}

/**
 * An example whose head or tail names a type the relation does not admit contradicts its own
 * relation (the relation could never be the answer for that pair): an error naming both.
 */
function checkExampleTypes(relation: Relation, where: string, context: Record<string, unknown>): void {
  (relation.examples ?? []).forEach((example, index) => {
    if ('tokens' in example) return;
    for (const [side, declared] of [['head', relation.headTypes], ['tail', relation.tailTypes]] as const) {
      const type = entityTypeOf(example[side]);
      if (type === undefined || declared === undefined || declared.some((allowed) => normaliseEntityType(allowed) === normaliseEntityType(type))) continue;
      throw new ZsreError(
        'INVALID_INPUT',
        `Invalid example ${index} (0-based) of relation "${relation.id}" at ${where}: its ${side} has type "${type}", ` +
          `which the relation's ${side}Types (${declared.map((t) => `"${t}"`).join(', ')}) do not admit; correct the example's type or add it to ${side}Types.`,
        { context: { ...context, relation: relation.id, example: index, field: `${side}.type` } },
      );
    }
  });
}

/**
 * One example, validated as an item is (shape, then its entities located in the text). `name`
 * says where it came from in the error ("example 2 (0-based) of relation ...", "line 4 of
 * none.jsonl"); `context` goes into the error's context.
 */
export function parseExample(value: unknown, name: string, context: Record<string, unknown>): RelationExample {
  const parsed = relationExampleSchema.safeParse(value);
  if (!parsed.success) {
    throw new ZsreError(
      'INVALID_INPUT',
      `Invalid ${name}: expected {"text", "head", "tail"} (entities as a string, {text, occurrence} or {start, end}) ` +
        `or {"tokens", "head": [indices], "tail": [indices]}, received ${JSON.stringify(value)?.slice(0, 120) ?? String(value)}.`,
      { cause: parsed.error, context },
    );
  }
  try {
    if ('tokens' in parsed.data) tokenItemToText(parsed.data);
    else locatePair(parsed.data.text, parsed.data.head, parsed.data.tail);
  } catch (error) {
    if (!isZsreError(error)) throw error;
    throw new ZsreError(error.code, `Invalid ${name}: ${error.message}`, { cause: error, context: { ...context, ...error.context } });
  }
  return parsed.data;
}

/**
 * Checks the whole set: at least one relation, and no id twice (a duplicate id would make two
 * labels indistinguishable in results). Positions are reported through `describe`.
 */
export function checkRelationSet(
  relations: readonly Relation[],
  describe: DescribeEntry,
  positions: readonly number[] = relations.map((_, index) => index),
  context: Record<string, unknown> = {},
): void {
  if (relations.length === 0) {
    throw new ZsreError(
      'EMPTY_RELATIONS',
      'The relation set is empty: pass at least one relation {id, name, description?}, a file that holds some, or a built-in set name ("wikidata", "wikidata-no-ids").',
      { context },
    );
  }
  const firstSeen = new Map<string, number>();
  relations.forEach((relation, index) => {
    const position = positions[index] ?? index;
    const earlier = firstSeen.get(relation.id);
    if (earlier !== undefined) {
      throw new ZsreError(
        'DUPLICATE_RELATION_ID',
        `Duplicate relation id "${relation.id}" at ${describe(earlier)} and ${describe(position)}: ` +
          'relation ids must be unique; remove or rename one of them.',
        { context: { ...context, id: relation.id, firstPosition: earlier, secondPosition: position } },
      );
    }
    firstSeen.set(relation.id, position);
  });
}

function describeReceived(value: unknown, path: readonly PropertyKey[]): string {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return 'nothing';
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  if (current === undefined) return 'nothing';
  if (current === null) return 'null';
  if (Array.isArray(current)) return 'an array';
  if (typeof current === 'string') return JSON.stringify(current.length > 40 ? `${current.slice(0, 40)}…` : current);
  return typeof current;
}
