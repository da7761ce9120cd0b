import { int8IsBatchInvariant } from '../encoders/batching.js';
import { createBiEncoder } from '../encoders/biEncoder.js';
import { createCrossEncoder } from '../encoders/crossEncoder.js';
import { checkText, locateEntity } from '../entities/locate.js';
import { entityTypeOf } from '../entities/schema.js';
import { checkNotAborted, ZsreError } from '../errors.js';
import { createExampleVectors, type ExampleVectorCache } from '../examples/exampleVectors.js';
import { unfittedExampleRule } from '../examples/adapt.js';
import { buildExampleState, type ExampleContext, exampleState, NONE_EXAMPLES_ID } from '../examples/exampleState.js';
import type { FusionParams } from '../fusion/fuse.js';
import type { LabelIndex } from '../labels/exactIndex.js';
import { classifyPairs } from '../pairs/classifyPairs.js';
import { pairEntities, type SkippedPair } from '../pairs/pairEntities.js';
import { sentencePairing } from '../pairs/sentences.js';
import { createDescribe } from '../pipeline/describe.js';
import { type Pipeline, runPipeline } from '../pipeline/runBatch.js';
import { typedRelations } from '../relations/types.js';
import { crossReadsMarkers, type Manifest } from '../model/manifest.js';
import { parseRelation, type Relation, type RelationExample } from '../relations/schema.js';
import {
  type ExtractAllOptions,
  extractAllInputSchema,
  type ExtractItem,
  type ExtractResult,
  type Extractor,
  type LoadedModelInfo,
  parseInput,
  type PipelineOptions,
  type Precision,
  type Triple,
} from '../schemas.js';
import type { TextTokenizer } from '../tokenizer/textTokenizer.js';
import type { CalibrationFile } from '../calibration/calibrationFile.js';
import { registerInternals } from './internals.js';
import type { Sessions } from './sessions.js';
import { allOptionKinds, batchOptionKinds, checkCallOptions } from './callOptions.js';

/**
 * What a platform hands over once it has loaded a model: Node's createExtractor (src/extractor.ts)
 * reads a folder with onnxruntime-node, zsre/web's (src/web/createExtractor.ts) fetches a URL with
 * onnxruntime-web. From here on both run the same code, so they give the same answers and errors.
 */
export interface ExtractorParts {
  options: PipelineOptions;
  model: LoadedModelInfo;
  precision: Precision;
  sessions: Sessions;
  tokenizer: TextTokenizer;
  relations: Relation[];
  /** The label index of `relations`: from the platform's cache, or built from computeVectors. */
  openLabels(computeVectors: (onDone: (done: number) => void) => Promise<Float32Array[]>): Promise<LabelIndex>;
  /** Where example vectors persist between extractors (null: nowhere). */
  exampleCache: ExampleVectorCache | null;
  /** How extractAll reports skipped pairs when the caller passed no onSkipped. */
  warn(message: string): void;
  /**
   * Run int8 graphs one row per call even where the model is batch-invariant in Node: set by a
   * platform whose float kernels round differently with the padded length (onnxruntime-web's
   * WASM; see src/web/createExtractor.ts), which int8 rounding turns into different answers.
   */
  int8RowByRow?: boolean;
}

/**
 * Wires loaded parts into the pipeline of src/pipeline/ (prepare -> recall -> rerank -> rank, see
 * runBatch.ts) and returns the Extractor; rerank is adaptive by default (the cross-encoder runs
 * only where the bi-encoder is not sure). The sessions are released if wiring fails.
 */
export async function assembleExtractor(parts: ExtractorParts): Promise<Extractor> {
  try {
    return await wire(parts);
  } catch (error) {
    await parts.sessions.release();
    throw error;
  }
}

async function wire(parts: ExtractorParts): Promise<Extractor> {
  const { options: settings, sessions, tokenizer, relations, precision } = parts;
  const { manifest } = parts.model;
  const useCrossEncoder = sessions.crossEncoder !== null;
  const batchSize = settings.batchSize ?? 32;
  const topK = Math.min(settings.topK ?? manifest.fusion.topK, relations.length);
  const recallK = Math.min(settings.recallK ?? Math.max(settings.topK ?? manifest.fusion.topK, 10), relations.length);
  if (recallK < topK) {
    throw new ZsreError('INVALID_INPUT', `recallK (${settings.recallK}) is smaller than topK (${topK}): pass recallK >= topK, or leave it out.`, {
      context: { recallK: settings.recallK, topK },
    });
  }
  const calibrated = settings.calibration === undefined || typeof settings.calibration === 'string'
    ? calibratedBlocks(manifest, settings.calibration, relations)
    : fittedBlocks(manifest, settings.calibration, relations);
  const biOnlyFusion: FusionParams = { ...calibrated.biOnly, crossWeight: 0, threshold: settings.threshold ?? calibrated.biOnly.threshold };
  const unscoredCrossScore = manifest.fusion.crossGate?.unscoredCrossScore;
  const fusion: FusionParams = useCrossEncoder
    ? { ...calibrated.fused, threshold: settings.threshold ?? calibrated.fused.threshold, ...(unscoredCrossScore === undefined ? {} : { unscoredCrossScore }) }
    : biOnlyFusion;
  // Adaptive: skip the cross-encoder where the bi-encoder is sure (the gate is fitted per model;
  // a model without one keeps the cross-encoder always on).
  const crossGate = (settings.rerank ?? 'adaptive') === 'adaptive' ? (manifest.fusion.crossGate?.minConfidence ?? null) : null;
  // ... and, below the gate, leave the candidates the bi-encoder finds unlikely unscored (fitted with it).
  const candidateFloor = crossGate === null ? 0 : (manifest.fusion.crossGate?.minCandidateProbability ?? 0);

  // int8 graphs from before per-row activation scales run one row per call, so that a sentence's
  // result still does not depend on its batch (slower: see docs/model-directory.md to convert them);
  // so do all int8 graphs on a platform that asks for it (int8RowByRow).
  const graphBatchSize = precision === 'int8' && (parts.int8RowByRow === true || !int8IsBatchInvariant(manifest)) ? 1 : batchSize;
  const biEncoder = createBiEncoder(sessions.biEncoder, { padId: tokenizer.special.pad, batchSize: graphBatchSize });
  const crossEncoder =
    sessions.crossEncoder === null
      ? null
      : createCrossEncoder(sessions.crossEncoder, { padId: tokenizer.special.pad, batchSize: graphBatchSize, readsMarkers: crossReadsMarkers(manifest) });
  const describe = createDescribe(relations, tokenizer, manifest.description, manifest.maxLength.description);
  const labels = await parts.openLabels((onDone) => biEncoder.encodeDescriptions(relations.map((_, index) => describe(index)), onDone));
  const exampleVectors = createExampleVectors({ biEncoder, tokenizer, maxSentenceLength: manifest.maxLength.sentence, dim: manifest.vectorSize, cache: parts.exampleCache });
  // Taught relations are fitted against the bi-only fusion: sentences with one among their
  // candidates skip the cross-encoder (rerank.ts), so that is the fusion that scores them.
  const exampleContext: ExampleContext = {
    descriptions: labels,
    // As descriptionText decides between the templates; addExamples never changes a description.
    described: (index) => relations[index]?.description !== undefined,
    biOnlyFusion: { ...manifest.fusion.biOnly, crossWeight: 0 },
    rule: manifest.fusion.examples ?? unfittedExampleRule,
  };
  // "No relation" examples are validated as a relation's examples are, under their own name.
  const parseNoneExamples = (values: unknown, where: string): RelationExample[] => {
    if (!Array.isArray(values)) {
      throw new ZsreError('INVALID_INPUT', `${where} expects an array of example items, received ${typeof values}: wrap one example in [ ].`);
    }
    return parseRelation({ id: NONE_EXAMPLES_ID, name: 'no relation', examples: values }, 0, () => where).examples ?? [];
  };
  let noneExamples = parseNoneExamples(settings.noneExamples ?? [], 'noneExamples');
  const initialExamples = await buildExampleState(relations, noneExamples, exampleVectors, exampleContext);

  let disposed = false;
  const checkOpen = (): void => {
    if (disposed) throw new ZsreError('DISPOSED', 'This extractor was disposed: create a new one with createExtractor() to keep extracting.');
  };
  // Calls still running when dispose() is called finish their current model call first:
  // releasing a session under a running inference is not safe in onnxruntime.
  const running = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    const forget = (): void => {
      running.delete(work);
    };
    work.then(forget, forget);
    return work;
  };

  const pipeline: Pipeline = {
    tokenizer,
    maxSentenceLength: manifest.maxLength.sentence,
    biEncoder,
    labels,
    crossEncoder,
    describe,
    relations,
    // Adding examples replaces the relation list but never changes a relation's types.
    types: typedRelations(relations),
    examples: initialExamples,
    fusion,
    biOnlyFusion,
    crossGate,
    candidateFloor,
    pairLength: settings.pairLength ?? null,
    recallK,
    topK,
    batchSize,
  };
  const runBatch: Extractor['extractBatch'] = (items, batchOptions = {}) => {
    const { signal } = batchOptions;
    const beforeBatch = (): void => {
      checkOpen();
      checkNotAborted(signal);
    };
    return runPipeline(pipeline, items, { onProgress: batchOptions.onProgress, beforeBatch, timings: batchOptions.timings });
  };
  const extractBatch: Extractor['extractBatch'] = (items, batchOptions) => {
    try {
      checkOpen();
      checkCallOptions(batchOptions, batchOptionKinds, 'extractBatch');
      checkNotAborted(batchOptions?.signal);
      if (!Array.isArray(items)) {
        throw new ZsreError('INVALID_INPUT', `extractBatch expects an array of items, received ${typeof items}: wrap a single item in [ ] or call extract().`);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return track(runBatch(items, batchOptions));
  };

  // Examples added to a live extractor: validated as in a relation definition, only the new ones
  // encoded, then a new relation list and example state replace the old ones for later calls.
  let updates: Promise<unknown> = Promise.resolve();
  const addExamples: Extractor['addExamples'] = (relationId, examples) => {
    const update = updates.then(async () => {
      checkOpen();
      const index = pipeline.relations.findIndex((relation) => relation.id === relationId);
      const current = pipeline.relations[index];
      if (current === undefined) {
        throw new ZsreError('INVALID_INPUT', `addExamples: no relation has the id "${relationId}": use one of the extractor's relation ids (extractor.relations).`, {
          context: { relation: relationId },
        });
      }
      if (!Array.isArray(examples)) {
        throw new ZsreError('INVALID_INPUT', `addExamples expects an array of example items for relation "${relationId}", received ${typeof examples}: wrap one example in [ ].`);
      }
      // With the relation's types, so that an example contradicting them is refused here too.
      const checked =
        parseRelation({ id: current.id, name: current.name, examples, headTypes: current.headTypes, tailTypes: current.tailTypes }, index, () => `addExamples("${relationId}")`)
          .examples ?? [];
      if (checked.length === 0) return;
      const all = [...(current.examples ?? []), ...checked];
      const known = pipeline.examples.taught.get(index) ?? [];
      // Encode only what is new when the vectors held in memory match the relation's examples.
      const vectors =
        known.length === (current.examples ?? []).length
          ? [...known, ...(await exampleVectors.encode(relationId, checked))]
          : await exampleVectors.encode(relationId, all);
      const taught = new Map(pipeline.examples.taught);
      if (vectors.length > 0) taught.set(index, vectors);
      const relationsNow = pipeline.relations.map((relation, position): Relation => (position === index ? { ...relation, examples: all } : relation));
      // Persist the relation's whole list under its fingerprint, so a new extractor with the
      // same examples starts from the cache.
      await exampleVectors.remember(relationId, all, vectors);
      pipeline.relations = relationsNow;
      // Every taught relation is fitted again: the new examples also compete with the others'.
      pipeline.examples = exampleState(taught, pipeline.examples.none, exampleContext);
    });
    updates = update.catch(() => undefined);
    return update;
  };
  const addNoneExamples: Extractor['addNoneExamples'] = (examples) => {
    const update = updates.then(async () => {
      checkOpen();
      const checked = parseNoneExamples(examples, 'addNoneExamples');
      if (checked.length === 0) return;
      const all = [...noneExamples, ...checked];
      const vectors = [...pipeline.examples.none, ...(await exampleVectors.encode(NONE_EXAMPLES_ID, checked))];
      await exampleVectors.remember(NONE_EXAMPLES_ID, all, vectors);
      noneExamples = all;
      pipeline.examples = exampleState(pipeline.examples.taught, vectors, exampleContext);
    });
    updates = update.catch(() => undefined);
    return update;
  };

  const extractor: Extractor = {
    get relations() {
      return pipeline.relations;
    },
    get noneExamples() {
      return noneExamples;
    },
    addExamples,
    addNoneExamples,
    model: parts.model,
    async extract(item: ExtractItem) {
      const [result] = await extractBatch([item]);
      return result as ExtractResult;
    },
    extractBatch,
    async extractAll(input, allOptions = {}) {
      checkOpen();
      checkCallOptions(allOptions, allOptionKinds, 'extractAll');
      checkNotAborted(allOptions.signal);
      const { text, entities } = parseInput(extractAllInputSchema, input, 'extractAll input');
      checkText(text);
      const spans = entities.map((entity, position) => ({ ...locateEntity(text, entity, `entity ${position}`), type: entityTypeOf(entity) }));
      const { onSkipped, pairs, windowSentences, ...batchOptions } = allOptions;
      const sentences = sentencePairing(text, { pairs, windowSentences });
      const pairing = pairEntities(text, spans, sentences === undefined ? {} : { sentences });
      const { results, refused } = await classifyPairs({ extractBatch }, text, pairing.pairs, batchOptions);
      // classifyPairs would count an abort of a one-pair call as a refused pair: it is the caller's stop.
      checkNotAborted(allOptions.signal);
      reportSkipped([...pairing.skipped, ...refused], onSkipped, parts.warn);
      return results.flatMap((result): Triple[] => (result.relation === null ? [] : [{ head: result.head, tail: result.tail, relation: result.relation }]));
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.allSettled([...running]);
      await sessions.release();
    },
  };
  registerInternals(extractor, { pipeline, manifest, checkOpen });
  return extractor;
}

/** Pairs extractAll could not classify go to the caller's onSkipped, or else to the platform's warning: never dropped silently. */
function reportSkipped(skipped: SkippedPair[], onSkipped: ExtractAllOptions['onSkipped'], warn: (message: string) => void): void {
  if (skipped.length === 0) return;
  if (onSkipped !== undefined) {
    onSkipped(skipped);
    return;
  }
  const first = skipped[0] as SkippedPair;
  warn(
    `extractAll did not classify ${skipped.length} entity pair(s); the first: ${first.message} ` +
      'Pass { onSkipped } as extractAll\'s second argument to receive them, or use extractDocument (zsre/kg), which returns them.',
  );
}

/**
 * The fusion blocks with a calibration fitted on the user's labelled pairs (src/calibration/): it
 * must be this model's and this relation set's, else an error that says how to get one.
 */
function fittedBlocks(manifest: Manifest, calibration: CalibrationFile, relations: readonly Relation[]): CalibratedBlocks {
  const digest = 'manifestSha256' in manifest ? manifest.manifestSha256 : null;
  if (calibration.model.manifestSha256 !== digest || calibration.model.name !== manifest.name) {
    throw new ZsreError(
      'INVALID_INPUT',
      `calibration: fitted for model ${calibration.model.name} (manifest ${calibration.model.manifestSha256?.slice(0, 12) ?? 'unsealed'}), ` +
        `this extractor runs ${manifest.name} (manifest ${digest?.slice(0, 12) ?? 'unsealed'}): fit it again with this model (fitCalibration, zsre calibrate).`,
      { context: { calibrationModel: calibration.model, model: { name: manifest.name, manifestSha256: digest } } },
    );
  }
  for (const [field, block] of [['noneVector', calibration], ['biOnly.noneVector', calibration.biOnly]] as const) {
    if (block.noneVector.weights.length !== manifest.vectorSize) {
      throw new ZsreError('INVALID_INPUT', `calibration: ${field}.weights has ${block.noneVector.weights.length} numbers, the model's vectors ${manifest.vectorSize}: fit it again with this model.`);
    }
  }
  const ids = relations.map((relation) => relation.id);
  const fitted = new Set(calibration.relations);
  const missing = ids.filter((id) => !fitted.has(id));
  const extra = calibration.relations.filter((id) => !ids.includes(id));
  if (missing.length > 0 || extra.length > 0) {
    const list = (values: string[]): string => values.slice(0, 5).map((id) => `"${id}"`).join(', ') + (values.length > 5 ? ', ...' : '');
    throw new ZsreError(
      'INVALID_INPUT',
      `calibration: fitted for another relation set (${missing.length > 0 ? `not fitted with ${list(missing)}` : ''}${missing.length > 0 && extra.length > 0 ? '; ' : ''}` +
        `${extra.length > 0 ? `fitted with ${list(extra)}, absent here` : ''}). What "no relation" looks like depends on the relations: fit it again on labelled pairs with these relations.`,
      { context: { missing, extra } },
    );
  }
  return withCalibration(manifest.fusion, calibration, relations);
}

/**
 * The fusion blocks with the named calibration (manifest fusion.calibrations) in place of the
 * model's none vectors and thresholds; without a name, the model's own blocks. An unknown name is
 * an error listing the model's calibrations, never a silent fallback.
 */
function calibratedBlocks(manifest: Manifest, name: string | undefined, relations: readonly Relation[]): CalibratedBlocks {
  const { fusion } = manifest;
  if (name === undefined) return { fused: fusion, biOnly: fusion.biOnly };
  const calibrations = fusion.calibrations ?? {};
  const calibration = Object.hasOwn(calibrations, name) ? calibrations[name] : undefined;
  if (calibration === undefined) {
    const known = Object.keys(calibrations);
    throw new ZsreError(
      'INVALID_INPUT',
      `calibration "${name}": model ${manifest.name} has ${known.length === 0 ? 'no named calibrations' : `only ${known.map((k) => `"${k}"`).join(', ')}`}. ` +
        'Leave calibration out for the model\'s own, or fit one with training/fit_none_vector.py --calibration NAME.',
      { context: { calibration: name, known } },
    );
  }
  return withCalibration(fusion, calibration, relations);
}

/** A calibration's block in place of each fusion block's none vector and threshold, with its relation biases. */
interface CalibrationBlock {
  noneVector: NonNullable<Manifest['fusion']['noneVector']>;
  threshold: number;
  relationBiases?: Readonly<Record<string, number>> | undefined;
}
function withCalibration(fusion: Manifest['fusion'], calibration: CalibrationBlock & { biOnly: CalibrationBlock }, relations: readonly Relation[]): CalibratedBlocks {
  const calibrated = <Block extends object>(block: Block, replacement: CalibrationBlock) => ({
    ...block,
    noneVector: replacement.noneVector,
    threshold: replacement.threshold,
    relationBiases: biasesByIndex(replacement.relationBiases, relations),
  });
  return { fused: calibrated(fusion, calibration), biOnly: calibrated(fusion.biOnly, calibration.biOnly) };
}

/** The fusion blocks an extractor runs: the model's, or a calibration's (with its relation biases, per relation index). */
interface CalibratedBlocks {
  fused: Manifest['fusion'] & { relationBiases?: readonly number[] | undefined };
  biOnly: Manifest['fusion']['biOnly'] & { relationBiases?: readonly number[] | undefined };
}

/**
 * A calibration's relation biases (by relation id) as the fusion reads them: one per relation of
 * the extractor, by index, 0 for a relation the calibration has none for (a relation outside its
 * set keeps the fit's prior, 0). Undefined without biases.
 */
function biasesByIndex(biases: Readonly<Record<string, number>> | undefined, relations: readonly Relation[]): number[] | undefined {
  if (biases === undefined) return undefined;
  return relations.map((relation) => (Object.hasOwn(biases, relation.id) ? (biases[relation.id] as number) : 0));
}
