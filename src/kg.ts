// The package's `zsre/kg` entry: knowledge-graph helpers (whole documents in, RDF out). Re-exports only.
export * from './documents/index.js';
export * from './triples/index.js';
