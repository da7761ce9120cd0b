// Re-exports only: the relation-set loader and its types.
export { loadRelations, type RelationSource } from './load.js';
export { parseRelation, relationExampleSchema, relationSchema, type Relation, type RelationExample } from './schema.js';
export { typedRelations, type Admissible, type TypedRelations } from './types.js';
export { builtinRelationSets, type BuiltinRelationSetName } from './builtin.js';
