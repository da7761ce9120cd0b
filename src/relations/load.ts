import { ZsreError } from '../errors.js';
import { builtinRelationSetList, isBuiltinRelationSet, loadBuiltinRelations } from './builtin.js';
import { readRelationsFile } from './files.js';
import { checkRelationSet, describeArrayEntry, parseRelation, type Relation } from './schema.js';

export type RelationSource = Relation[] | readonly Relation[] | string;

/**
 * Resolves any relation source to a validated array: non-empty, unique ids, trimmed fields.
 * A string is a built-in set name first ("wikidata", "wikidata-no-ids": src/relations/builtin.ts), otherwise a .json/.jsonl path.
 * The result is always a fresh array, so callers may keep or change it freely.
 */
export async function loadRelations(source: RelationSource): Promise<Relation[]> {
  if (typeof source === 'string') {
    if (isBuiltinRelationSet(source)) return loadBuiltinRelations(source);
    if (source.trim() === '') {
      throw new ZsreError(
        'INVALID_INPUT',
        `The relation source is an empty string: pass an array of relations, a .json/.jsonl path, or a built-in set name: ${builtinRelationSetList}.`,
      );
    }
    return readRelationsFile(source);
  }
  if (!Array.isArray(source)) {
    throw new ZsreError(
      'INVALID_INPUT',
      `Invalid relation source: expected an array of {id, name, description?}, a .json/.jsonl path or a built-in set name ("wikidata", "wikidata-no-ids"), received ${source === null ? 'null' : typeof source}.`,
    );
  }
  const relations = source.map((value: unknown, index) => parseRelation(value, index, describeArrayEntry));
  checkRelationSet(relations, describeArrayEntry);
  return relations;
}
