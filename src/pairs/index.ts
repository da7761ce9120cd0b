// Entity pairs of one text: which pairs to classify (pure), and classifying them with refusals reported.
export { classifyPairs, type ClassifiedPairs } from './classifyPairs.js';
export { pairEntities, partlyOverlap, wordsBetween, wordStarts, type CharSpan, type EntityPair, type Pairing, type PairingOptions, type SkippedPair } from './pairEntities.js';
export { segmentSentences, sentenceAt, sentencePairing, type PairScope, type PairScopeOptions, type SentenceSpan } from './sentences.js';
