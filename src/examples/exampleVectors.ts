import type { BiEncoder } from '../encoders/biEncoder.js';
import { isZsreError, ZsreError } from '../errors.js';
import { prepareItem } from '../pipeline/prepare.js';
import type { RelationExample } from '../relations/schema.js';
import type { TextTokenizer } from '../tokenizer/textTokenizer.js';

/**
 * Marked-sentence vectors of a relation's example sentences, from the bi-encoder's sentence side
 * (the side the sentences being classified go through), read from and written to an optional
 * cache (see ExampleVectorCache), so that a relation whose examples did not change need not be
 * encoded again.
 */
export interface ExampleVectors {
  /** One unit vector per example, in order. Throws a ZsreError naming the relation and example for one that cannot be prepared. */
  encode(relationId: string, examples: readonly RelationExample[]): Promise<Float32Array[]>;
  /** Caches vectors computed elsewhere (old ones held in memory plus newly encoded ones) for these examples. */
  remember(relationId: string, examples: readonly RelationExample[], vectors: readonly Float32Array[]): Promise<void>;
}

/**
 * Where example vectors are kept between extractors: Node keeps them on disk beside the label
 * index (exampleCache.ts), the page keeps none (encoding a handful of examples costs less than a
 * persistent store). `read` answers null for examples it does not hold.
 */
export interface ExampleVectorCache {
  read(examples: readonly RelationExample[]): Promise<Float32Array | null>;
  write(examples: readonly RelationExample[], vectors: Float32Array): Promise<void>;
}

export function createExampleVectors(options: {
  biEncoder: BiEncoder;
  tokenizer: TextTokenizer;
  maxSentenceLength: number;
  dim: number;
  cache: ExampleVectorCache | null;
}): ExampleVectors {
  const { biEncoder, tokenizer, maxSentenceLength, dim, cache } = options;
  const remember: ExampleVectors['remember'] = async (_relationId, examples, vectors) => {
    if (cache === null) return;
    const flat = new Float32Array(vectors.length * dim);
    vectors.forEach((vector, row) => flat.set(vector.subarray(0, dim), row * dim));
    // The cache is an optimisation: a read-only disk only costs encoding again next time.
    await cache.write(examples, flat).catch(() => undefined);
  };
  return {
    remember,
    async encode(relationId, examples) {
      if (examples.length === 0) return [];
      const cached = cache === null ? null : await cache.read(examples);
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
