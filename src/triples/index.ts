// Triples out: RDF for extraction results (n3.js does all serialisation and escaping).
export { resultToQuads, type EntityIds, type ResultQuadsOptions } from './quads.js';
export { checkBaseIri, defaultBaseIri, entityTerm, prefixes, relationIri } from './vocabulary.js';
export { createTurtleWriter, csvRecord, quadsToNTriples, quadsToTurtle } from './serialize.js';
