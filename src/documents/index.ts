// Whole documents: every entity pair of a paragraph within a word distance, batched.
export { extractDocument, type DocumentInput, type DocumentResult } from './extractDocument.js';
export { labelDocument, type DocumentTriple, type LabelledDocument, type LabelledDocumentInput } from './labelDocument.js';
export { findEntities, type EntityKind, type FoundEntity } from './findEntities.js';
export type { SkippedPair } from '../pairs/pairEntities.js';
export { segmentSentences, type PairScope, type PairScopeOptions, type SentenceSpan } from '../pairs/sentences.js';
