import { z } from 'zod';
import type { LabelIndexProgress } from './labels/exactIndex.js';
import type { SkippedPair } from './pairs/pairEntities.js';
import type { StageTimings } from './pipeline/timings.js';
import { entityRefSchema, type EntityRef, type ExtractItem, type Span, type TextItem, type TokenItem } from './entities/schema.js';
import { calibrationFileSchema } from './calibration/calibrationFile.js';
import { ZsreError } from './errors.js';
import { editDistance } from './batch/fieldTypos.js';
import type { Manifest } from './model/manifest.js';
import type { Relation, RelationExample } from './relations/schema.js';

/**
 * Input schemas at the library boundary. Public types are derived from them (z.infer), so the
 * documented shape and the checked shape cannot drift apart. Past validation the code trusts
 * the types.
 */

export const extractAllInputSchema = z
  .object({ text: z.string(), entities: z.array(entityRefSchema) })
  .strict();

/**
 * Relations are validated by loadRelations (src/relations/), which names the bad entry and field;
 * here the schema only carries their type, so that one place owns those messages.
 */
export const relationInputSchema = z.custom<Relation>(() => true);

/**
 * The options every platform reads (Node's createExtractor and zsre/web's): how the pipeline
 * ranks, fuses and abstains. Each platform adds where the model and relations come from.
 */
export const pipelineOptionsShape = {
  precision: z.enum(['int8', 'fp32']).optional(),
  topK: z.number().int().positive().optional(),
  recallK: z.number().int().positive().optional(),
  useCrossEncoder: z.boolean().optional(),
  rerank: z.enum(['adaptive', 'always']).optional(),
  // The least that holds [CLS], four markers, one token and [SEP]; [CLS], one token and [SEP].
  pairLength: z.object({ sentence: z.number().int().min(7), description: z.number().int().min(3) }).strict().optional(),
  threshold: z.number().min(0).max(1).optional(),
  /**
   * A named "no relation" calibration of the model (manifest fusion.calibrations), such as
   * 'documents': fitted on Wikipedia documents where most entity pairs hold none of the 96
   * DocRED relations, for knowledge-graph extraction with Wikidata relations. Absent: the model's
   * own calibration, fitted for any relation set. Or a calibration fitted on your own labelled
   * pairs with your relations (fitCalibration, `zsre calibrate`; src/calibration/).
   */
  calibration: z.union([z.string().min(1), calibrationFileSchema]).optional(),
  threads: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().optional(),
  /**
   * Example sentences whose pair holds none of the relations (validated as a relation's examples
   * are): they sharpen "no relation" for the relations taught by examples (src/examples/adapt.ts).
   */
  noneExamples: z.array(z.custom<RelationExample>(() => true)).optional(),
  /** Progress of a label-index build (only when no cached index fits): see LabelIndexProgress. */
  onProgress: z
    .custom<(event: LabelIndexProgress) => void>((value) => typeof value === 'function', { message: 'must be a function (event) => void' })
    .optional(),
};

export const extractorOptionsSchema = z
  .object({
    ...pipelineOptionsShape,
    relations: z.union([z.array(relationInputSchema), z.string().min(1)]),
    model: z.string().min(1).optional(),
    index: z.enum(['auto', 'exact', 'hnsw']).optional(),
    cacheDir: z.string().min(1).optional(),
  })
  .strict();

/** What the shared pipeline reads from any platform's validated options. */
export type PipelineOptions = { [K in keyof typeof pipelineOptionsShape]?: z.infer<(typeof pipelineOptionsShape)[K]> };

export { entityRefSchema, extractItemSchema, textItemSchema, tokenItemSchema } from './entities/schema.js';
export type { EntityRef, ExtractItem, Span, TextItem, TokenItem };
export type ExtractAllInput = z.infer<typeof extractAllInputSchema>;
export type ExtractorOptions = z.infer<typeof extractorOptionsSchema>;
export type RelationSource = ExtractorOptions['relations'];
export type Precision = 'int8' | 'fp32';
export type { Relation, RelationExample, Manifest };

export interface Candidate {
  id: string;
  name: string;
  probability: number;
  biScore: number;
  /** null in bi-encoder-only mode. */
  crossScore: number | null;
}

export interface PredictedRelation {
  id: string;
  name: string;
  probability: number;
}

export interface ExtractResult {
  id?: string;
  /** null = no relation (the best candidate is below the threshold). */
  relation: PredictedRelation | null;
  /** Best first. */
  candidates: Candidate[];
  /** true when the cross-encoder re-scored the candidates; false in bi-only mode and where the
   * adaptive gate (`rerank: 'adaptive'`) found the bi-encoder sure enough on its own. */
  reranked: boolean;
  head: Span;
  tail: Span;
}

export interface Triple {
  head: Span;
  tail: Span;
  relation: PredictedRelation;
}

export interface ExtractBatchOptions {
  onProgress?: (done: number, total: number) => void;
  /**
   * Stops the call between two batches once aborted (a model call in progress finishes first);
   * the promise then rejects with a ZsreError of code ABORTED whose cause is `signal.reason`.
   */
  signal?: AbortSignal;
  /**
   * Profiling: the call adds its milliseconds per pipeline stage to this object's fields
   * (prepare, biEncoder, search, pairs, crossEncoder, rank; see src/pipeline/timings.ts).
   * Pass `{}` and read it after the call. In-process extractors only (a worker pool refuses it).
   */
  timings?: StageTimings;
}

export interface ExtractAllOptions extends ExtractBatchOptions {
  /**
   * Which pairs: 'sentence' (default) — entities in the same sentence, each pair classified in
   * its sentence; 'window' — also up to `windowSentences` (default 1) sentences apart; 'all' —
   * every pair at any distance, classified in the whole text.
   */
  pairs?: 'sentence' | 'window' | 'all';
  windowSentences?: number;
  /**
   * Called once with the ordered pairs that were not classified (entities that partly overlap,
   * pairs the extractor refused), each with a code and a message. Without it, they are reported
   * with process.emitWarning (code ZSRE_PAIRS_SKIPPED).
   */
  onSkipped?: (skipped: SkippedPair[]) => void;
}

export interface LoadedModelInfo {
  name: string;
  directory: string;
  precision: Precision;
  manifest: Manifest;
}

export interface Extractor {
  extract(item: ExtractItem): Promise<ExtractResult>;
  extractBatch(items: ExtractItem[], options?: ExtractBatchOptions): Promise<ExtractResult[]>;
  /** Every ordered pair of distinct entities in the same sentence (options.pairs); only pairs with a relation above the threshold. */
  extractAll(input: ExtractAllInput, options?: ExtractAllOptions): Promise<Triple[]>;
  /**
   * Teaches a relation of this extractor more example sentences, without rebuilding it: they are
   * validated as in a relation definition, only they are encoded, and calls started after the
   * returned promise resolves use them (a call already running keeps what it started with).
   */
  addExamples(relationId: string, examples: RelationExample[]): Promise<void>;
  /**
   * Adds sentences whose pair holds none of the relations (a curator rejects an answer): as
   * addExamples, without a rebuild. They act on the relations taught by examples.
   */
  addNoneExamples(examples: RelationExample[]): Promise<void>;
  /** The relations as they stand now, examples included. */
  readonly relations: readonly Relation[];
  /** The "no relation" examples as they stand now. */
  readonly noneExamples: readonly RelationExample[];
  readonly model: LoadedModelInfo;
  dispose(): Promise<void>;
}

/**
 * Parses a value against a schema; on failure throws INVALID_INPUT naming the field, what was
 * expected and what was received.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = unknownField(schema, parsed.error.issues[0]) ?? mostSpecificIssue(parsed.error.issues, []);
  const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new ZsreError(
    'INVALID_INPUT',
    `Invalid ${what}: field "${field}" ${issue.message}. Pass the ${what} in the documented shape (docs/api.md).`,
    { cause: parsed.error, context: { field } },
  );
}

/**
 * An unknown field (a misspelt option such as `treshold`) named as the field itself, with the
 * known field it most resembles where one is close: zod's own text is "Unrecognized key".
 */
function unknownField(schema: z.ZodType, issue: z.core.$ZodIssue | undefined): { path: PropertyKey[]; message: string } | undefined {
  if (issue?.code !== 'unrecognized_keys' || issue.keys.length === 0) return undefined;
  const key = issue.keys[0] as string;
  const known = knownKeysAt(schema, issue.path);
  const near = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => distance <= (candidate.length <= 6 ? 1 : 2))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = near !== undefined ? ` (did you mean "${near.candidate}"?)` : known.length > 0 ? ` (known fields: ${known.join(', ')})` : '';
  return { path: [...issue.path, key], message: `is not a known field${hint}` };
}

/** The field names of the object schema at `path` (through optional wrappers); [] where it is not a plain object. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const unwrap = (node: unknown): unknown => {
    let current = node;
    while (current !== null && typeof current === 'object' && typeof (current as { unwrap?: unknown }).unwrap === 'function') {
      current = (current as { unwrap: () => unknown }).unwrap();
    }
    return current;
  };
  const shapeOf = (node: unknown): Record<string, unknown> | undefined => {
    const shape = (unwrap(node) as { shape?: unknown } | null)?.shape;
    return shape !== null && typeof shape === 'object' ? (shape as Record<string, unknown>) : undefined;
  };
  let node: unknown = schema;
  for (const key of path) {
    const shape = shapeOf(node);
    if (shape === undefined || typeof key !== 'string') return [];
    node = shape[key];
  }
  return Object.keys(shapeOf(node) ?? {});
}

/**
 * zod reports a failed union (text item or token item) as one "Invalid input"; the branch with
 * the fewest problems is the one the caller meant, so its first problem is the useful message.
 */
function mostSpecificIssue(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const issue = issues[0];
  if (issue === undefined) return { path: prefix, message: 'is invalid' };
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.message === 'Invalid input' && issue.errors.length > 0) {
    const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
    return mostSpecificIssue(closest, path);
  }
  return { path, message: issue.message.replace(/^Invalid input: /, 'is invalid: ') };
}
