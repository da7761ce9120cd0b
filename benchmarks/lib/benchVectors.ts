/**
 * Bi-encoder vectors for the few-shot benchmarks (fewshot.ts, fewshot-sets.ts): the model's int8
 * bi-encoder as the library runs it, sentences and descriptions, kept in
 * .zsre-cache/bench-fewshot/ (vectorCache.ts) so that a rerun of the same model skips the encoding.
 */
import { join } from 'node:path';
import { createBiEncoder } from '../../src/encoders/biEncoder.js';
import { createGraphSession } from '../../src/encoders/session.js';
import type { ExtractItem } from '../../src/index.js';
import type { ModelDirectory } from '../../src/model/loadModel.js';
import { createDescribe } from '../../src/pipeline/describe.js';
import { prepareItem } from '../../src/pipeline/prepare.js';
import { loadTokenizer } from '../../src/tokenizer/load.js';
import type { BenchRelation } from './datasets.js';
import { repoRoot } from './environment.js';
import { createVectorCache } from './vectorCache.js';

export interface BenchVectors {
  /** sentence vectors (the bi-encoder's sentence side), one per item. */
  encodeItems(items: readonly ExtractItem[]): Promise<Float32Array[]>;
  /** description vectors, one per relation, in order. */
  encodeRelations(relations: readonly BenchRelation[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

export async function openBenchVectors(model: ModelDirectory): Promise<BenchVectors> {
  const { manifest } = model;
  const tokenizer = await loadTokenizer(model.directory, manifest);
  const session = await createGraphSession(model.graphs.biEncoder!.path, manifest.graphs.biEncoder, { threads: 2, label: 'bi-encoder' });
  const biEncoder = createBiEncoder(session, { padId: tokenizer.special.pad, batchSize: 32 });
  const cached = createVectorCache(join(repoRoot, '.zsre-cache', 'bench-fewshot'), {
    graph: manifest.graphs.biEncoder.files?.int8?.sha256 ?? model.graphs.biEncoder!.path,
    tokenizer: manifest.tokenizer,
    maxLength: manifest.maxLength,
    description: manifest.description,
  });
  return {
    encodeItems: (items) => cached(items, (inputs) => biEncoder.encodeSentences(inputs.map((item) => prepareItem(item, tokenizer, manifest.maxLength.sentence).sequence))),
    encodeRelations: (relations) => {
      const describe = createDescribe(relations, tokenizer, manifest.description, manifest.maxLength.description);
      return cached(
        relations.map((relation) => ({ description: relation })),
        () => biEncoder.encodeDescriptions(relations.map((_, index) => describe(index))),
      );
    },
    release: () => session.release(),
  };
}
