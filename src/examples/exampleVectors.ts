import { createHash } from 'node:crypto';
import type { BiEncoder } from '../encoders/biEncoder.js';
import { isZsreError, ZsreError } from '../errors.js';
import { readVectors, writeVectors } from '../labels/store.js';
import { prepareItem } from '../pipeline/prepare.js';
import type { RelationExample } from '../relations/schema.js';
import type { TextTokenizer } from '../tokenizer/textTokenizer.js';

/**
 * Marked-sentence vectors of a relation's example sentences, from the bi-encoder's sentence side
 * (the side the sentences being classified go through). Vectors are cached beside the label
 * index, one entry per relation keyed by everything that changes them (the model's label-index
 * identity, the sentence length limit, the relation's examples in order), so a relation whose
 * examples did not change is never encoded again, and a changed one never reuses stale vectors.
 */
export interface ExampleVectors {
  /** One unit vector per example, in order. Throws a ZsreError naming the relation and example for one that cannot be prepared. */
  encode(relationId: string, examples: readonly RelationExample[]): Promise<Float32Array[]>;
  /** Caches vectors computed elsewhere (old ones held in memory plus newly encoded ones) for these examples. */
  remember(relationId: string, examples: readonly RelationExample[], vectors: readonly Float32Array[]): Promise<void>;
}

// Bumped whenever the fingerprint's contents change, so layouts never collide.
const layoutVersion = 'zsre-example-vectors-1';

export function exampleFingerprint(modelIdentity: string, maxSentenceLength: number, examples: readonly RelationExample[]): string {
  return createHash('sha256').update(JSON.stringify([layoutVersion, modelIdentity, maxSentenceLength, examples])).digest('hex');
}

export function createExampleVectors(options: {
  biEncoder: BiEncoder;
  tokenizer: TextTokenizer;
  maxSentenceLength: number;
  /** what identifies the model's vectors: the label fingerprint of an empty relation set. */
  modelIdentity: string;
  cacheDir: string;
  dim: number;
}): ExampleVectors {
  const { biEncoder, tokenizer, maxSentenceLength, modelIdentity, cacheDir, dim } = options;
  const remember: ExampleVectors['remember'] = async (_relationId, examples, vectors) => {
    const flat = new Float32Array(vectors.length * dim);
    vectors.forEach((vector, row) => flat.set(vector.subarray(0, dim), row * dim));
    // The cache is an optimisation: a read-only disk only costs encoding again next time.
    await writeVectors(cacheDir, exampleFingerprint(modelIdentity, maxSentenceLength, examples), dim, flat).catch(() => undefined);
  };
  return {
    remember,
    async encode(relationId, examples) {
      if (examples.length === 0) return [];
      const fingerprint = exampleFingerprint(modelIdentity, maxSentenceLength, examples);
      const cached = await readVectors(cacheDir, fingerprint, dim);
      if (cached !== null && cached.length === examples.length * dim) {
        return examples.map((_, row) => cached.slice(row * dim, (row + 1) * dim));
      }
      const sequences = examples.map((example, index) => {
        try {
          return prepareItem(example, tokenizer, maxSentenceLength).sequence;
        } catch (error) {
          if (!isZsreError(error)) throw error;
          throw new ZsreError(error.code, `Example ${index} (0-based) of relation "${relationId}": ${error.message}`, {
            cause: error,
            context: { ...error.context, relation: relationId, example: index },
          });
        }
      });
      const vectors = await biEncoder.encodeSentences(sequences);
      await remember(relationId, examples, vectors);
      return vectors;
    },
  };
}
