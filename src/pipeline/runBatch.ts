import type { BiEncoder } from '../encoders/biEncoder.js';
import type { CrossEncoder } from '../encoders/crossEncoder.js';
import type { ExampleState } from '../examples/exampleState.js';
import type { FusionParams } from '../fusion/fuse.js';
import type { LabelIndex } from '../labels/exactIndex.js';
import type { Hit } from '../labels/topK.js';
import type { TypedRelations } from '../relations/types.js';
import type { ExtractItem, ExtractResult, Relation } from '../schemas.js';
import type { TextTokenizer } from '../tokenizer/textTokenizer.js';
import { batchTokenizers } from '../tokenizer/words.js';
import type { Describe } from './describe.js';
import { createPairInputs, type PairLength } from './pairInputs.js';
import { prepareItem } from './prepare.js';
import { rankCandidates } from './rank.js';
import { recall } from './recall.js';
import { rerank } from './rerank.js';
import { lap, type StageTimings } from './timings.js';

/** Everything one pass needs, wired once by createExtractor. */
export interface Pipeline {
  tokenizer: TextTokenizer;
  maxSentenceLength: number;
  biEncoder: BiEncoder;
  labels: LabelIndex;
  /** null: bi-encoder-only mode. */
  crossEncoder: CrossEncoder | null;
  describe: Describe;
  relations: readonly Relation[];
  /** the relations' entity-type constraints (headTypes / tailTypes), built once with them. */
  types: TypedRelations;
  /** relations taught by examples; replaced (never changed in place) when examples are added. */
  examples: ExampleState;
  /** fusion with the cross-encoder's scores, and without them (bi-only mode, or a row the gate skipped). */
  fusion: FusionParams;
  biOnlyFusion: FusionParams;
  /** the adaptive gate's minimum bi-only confidence (crossGate.ts); null: rerank always. */
  crossGate: number | null;
  /** below the gate, the bi-only probability a candidate needs to be scored (crossGate.ts); 0: all. */
  candidateFloor: number;
  pairLength: PairLength;
  recallK: number;
  topK: number;
  batchSize: number;
}

export interface RunOptions {
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** called before each batch; throws to stop (e.g. the extractor was disposed). */
  beforeBatch?: () => void;
  /** milliseconds per stage are added here (timings.ts). */
  timings?: StageTimings | undefined;
  /** per item, in order: what fusion reads (src/calibration/fitCalibration.ts fits on it). */
  onScored?: ((scored: ScoredItem) => void) | undefined;
}

/** One item's raw scores: its bi-encoder vector, its candidates, their cross scores (null: not run). */
export interface ScoredItem {
  vector: Float32Array;
  hits: readonly Hit[];
  crossScores: readonly (number | null)[] | null;
}

/**
 * The whole pipeline over a list of items: prepare every item (so a bad item fails the call
 * before any model runs), then per batch recall -> rerank -> rank.
 */
export async function runPipeline(pipeline: Pipeline, items: readonly ExtractItem[], options: RunOptions = {}): Promise<ExtractResult[]> {
  // The pairs of one document share its text: each of its words is tokenized once per call.
  const { timings } = options;
  let clock = performance.now();
  const tokenizerFor = batchTokenizers(items, pipeline.tokenizer);
  const prepared = items.map((item, position) => prepareItem(item, tokenizerFor(item), pipeline.maxSentenceLength, items.length > 1 ? position : undefined));
  const pairInputs = createPairInputs(pipeline);
  clock = lap(timings, 'prepare', clock);
  // One call sees one set of examples and relations, even if examples are added while it runs.
  const { examples, relations } = pipeline;
  const results: ExtractResult[] = [];
  for (let from = 0; from < prepared.length; from += pipeline.batchSize) {
    options.beforeBatch?.();
    const group = prepared.slice(from, from + pipeline.batchSize);
    const { hits, vectors } = await recall(group, pipeline.biEncoder, pipeline.labels, pipeline, examples, timings);
    const crossScores =
      pipeline.crossEncoder === null
        ? hits.map(() => null)
        : await rerank({ items: items.slice(from, from + pipeline.batchSize), prepared: group, hits, vectors }, pipeline.crossEncoder, pairInputs, { ...pipeline, examples }, timings);
    clock = performance.now();
    group.forEach((item, row) => {
      const scores = crossScores[row] ?? null;
      options.onScored?.({ vector: vectors[row] as Float32Array, hits: hits[row] ?? [], crossScores: scores });
      const admissible = pipeline.types.admissible(item.headType, item.tailType);
      results.push(rankCandidates(item, hits[row] ?? [], scores, relations, scores === null ? pipeline.biOnlyFusion : pipeline.fusion, vectors[row], admissible));
    });
    clock = lap(timings, 'rank', clock);
    options.onProgress?.(results.length, items.length);
  }
  return results;
}
