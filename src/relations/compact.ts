import type { Relation } from './schema.js';

/**
 * The built-in relation sets ship as a gzipped JSON array of tuples, `[id, name]` or
 * `[id, name, description]`: about half the size of `{id, name, description}` objects
 * before compression, and the format stays readable with `zcat | jq`.
 */
export type CompactRelation = [string, string] | [string, string, string];

export function toCompact(relations: readonly Relation[]): CompactRelation[] {
  return relations.map((relation) =>
    relation.description === undefined
      ? [relation.id, relation.name]
      : [relation.id, relation.name, relation.description],
  );
}

/** Decodes tuples; returns null on the first entry that is not a tuple of 2-3 non-empty strings. */
export function fromCompact(value: unknown): Relation[] | null {
  if (!Array.isArray(value)) return null;
  const relations: Relation[] = [];
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) return null;
    const [id, name, description] = entry as unknown[];
    if (typeof id !== 'string' || typeof name !== 'string' || id === '' || name === '') return null;
    if (description !== undefined && typeof description !== 'string') return null;
    relations.push(description === undefined ? { id, name } : { id, name, description });
  }
  return relations;
}
