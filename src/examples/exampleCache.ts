import { createHash } from 'node:crypto';
import { readVectors, writeVectors } from '../labels/store.js';
import type { RelationExample } from '../relations/schema.js';
import type { ExampleVectorCache } from './exampleVectors.js';

/**
 * Node's example-vector cache: files beside the label index, one entry per relation keyed by
 * everything that changes its vectors (the model's label-index identity, the sentence length
 * limit, the relation's examples in order), so a changed relation never reuses stale vectors.
 */

// Bumped whenever the fingerprint's contents change, so layouts never collide.
const layoutVersion = 'zsre-example-vectors-1';

export function exampleFingerprint(modelIdentity: string, maxSentenceLength: number, examples: readonly RelationExample[]): string {
  return createHash('sha256').update(JSON.stringify([layoutVersion, modelIdentity, maxSentenceLength, examples])).digest('hex');
}

export function diskExampleCache(options: { cacheDir: string; modelIdentity: string; maxSentenceLength: number; dim: number }): ExampleVectorCache {
  const { cacheDir, modelIdentity, maxSentenceLength, dim } = options;
  const key = (examples: readonly RelationExample[]): string => exampleFingerprint(modelIdentity, maxSentenceLength, examples);
  return {
    read: (examples) => readVectors(cacheDir, key(examples), dim),
    write: (examples, vectors) => writeVectors(cacheDir, key(examples), dim, vectors),
  };
}
