// Re-exports only: the relation-set loader and its types.
export { loadRelations, type RelationSource } from './load.js';
export { relationSchema, type Relation } from './schema.js';
export { builtinRelationSets, type BuiltinRelationSetName } from './builtin.js';
