import { int8IsBatchInvariant } from './encoders/batching.js';
import { createBiEncoder } from './encoders/biEncoder.js';
import { createCrossEncoder } from './encoders/crossEncoder.js';
import { createGraphSession, type GraphSession } from './encoders/session.js';
import { checkText, locateEntity } from './entities/locate.js';
import { checkNotAborted, ZsreError } from './errors.js';
import { createExampleVectors } from './examples/exampleVectors.js';
import { buildExampleState, exampleState, relationPrototype } from './examples/prototypes.js';
import { unfittedExampleRule } from './examples/rule.js';
import type { FusionParams } from './fusion/fuse.js';
import { defaultCacheDir } from './labels/cacheDir.js';
import { labelFingerprint } from './labels/fingerprint.js';
import { openLabelIndex } from './labels/labelIndex.js';
import { defaultModelDirectory } from './model/defaultModel.js';
import { downloadHubModel, isHubId } from './model/hub.js';
import { loadModelDirectory, type ModelDirectory } from './model/loadModel.js';
import { crossReadsMarkers } from './model/manifest.js';
import { classifyPairs } from './pairs/classifyPairs.js';
import { pairEntities, type SkippedPair } from './pairs/pairEntities.js';
import { sentencePairing } from './pairs/sentences.js';
import { createDescribe } from './pipeline/describe.js';
import { type Pipeline, runPipeline } from './pipeline/runBatch.js';
import { loadRelations, parseRelation, type Relation } from './relations/index.js';
import {
  type ExtractAllOptions,
  extractAllInputSchema,
  type ExtractItem,
  type ExtractResult,
  type Extractor,
  type ExtractorOptions,
  extractorOptionsSchema,
  parseInput,
  type Precision,
  type Triple,
} from './schemas.js';
import { loadTokenizer } from './tokenizer/load.js';

/**
 * createExtractor loads, wires and disposes: the model (checked against its manifest), the
 * tokenizer, the relations and the label index (built or loaded), wired into the pipeline of
 * src/pipeline/ (prepare -> recall -> rerank -> rank, see runBatch.ts) that every call runs;
 * rerank is adaptive by default (the cross-encoder runs only where the bi-encoder is not sure).
 */
export async function createExtractor(options: ExtractorOptions): Promise<Extractor> {
  const settings = parseInput(extractorOptionsSchema, options, 'extractor options');
  const precision: Precision = settings.precision ?? 'int8';
  const useCrossEncoder = settings.useCrossEncoder ?? true;
  const cacheDir = settings.cacheDir ?? defaultCacheDir();
  const threads = settings.threads ?? 2;
  const batchSize = settings.batchSize ?? 32;

  const relationsLoading = loadRelations(settings.relations);
  // Attach a handler now so a relations error while the model loads is not "unhandled".
  relationsLoading.catch(() => undefined);
  const directory = await resolveModelDirectory(settings.model, precision, cacheDir, useCrossEncoder);
  const model = await loadModelDirectory(directory, precision, { crossEncoder: useCrossEncoder });
  const { manifest } = model;
  // Sessions, tokenizer and relations load in parallel; sessions are released if anything fails.
  const tokenizerLoading = loadTokenizer(model.directory, manifest);
  tokenizerLoading.catch(() => undefined);
  const sessions = await openSessions(model, threads);
  try {
    const [tokenizer, relations] = await Promise.all([tokenizerLoading, relationsLoading]);
    const topK = Math.min(settings.topK ?? manifest.fusion.topK, relations.length);
    const recallK = Math.min(settings.recallK ?? Math.max(settings.topK ?? manifest.fusion.topK, 10), relations.length);
    if (recallK < topK) {
      throw new ZsreError('INVALID_INPUT', `recallK (${settings.recallK}) is smaller than topK (${topK}): pass recallK >= topK, or leave it out.`, {
        context: { recallK: settings.recallK, topK },
      });
    }
    const biOnlyFusion: FusionParams = { ...manifest.fusion.biOnly, crossWeight: 0, threshold: settings.threshold ?? manifest.fusion.biOnly.threshold };
    const fusion: FusionParams = useCrossEncoder ? { ...manifest.fusion, threshold: settings.threshold ?? manifest.fusion.threshold } : biOnlyFusion;
    // Adaptive: skip the cross-encoder where the bi-encoder is sure (the gate is fitted per model;
    // a model without one keeps the cross-encoder always on).
    const crossGate = (settings.rerank ?? 'adaptive') === 'adaptive' ? (manifest.fusion.crossGate?.minConfidence ?? null) : null;

    // int8 graphs from before per-row activation scales run one row per call, so that a sentence's
    // result still does not depend on its batch (slower: see docs/model-directory.md to convert them).
    const graphBatchSize = precision === 'int8' && !int8IsBatchInvariant(manifest) ? 1 : batchSize;
    const biEncoder = createBiEncoder(sessions.biEncoder, { padId: tokenizer.special.pad, batchSize: graphBatchSize });
    const crossEncoder =
      sessions.crossEncoder === null
        ? null
        : createCrossEncoder(sessions.crossEncoder, { padId: tokenizer.special.pad, batchSize: graphBatchSize, readsMarkers: crossReadsMarkers(manifest) });
    const describe = createDescribe(relations, tokenizer, manifest.description, manifest.maxLength.description);
    const fingerprintOf = (set: readonly Relation[]): string =>
      labelFingerprint({
        biEncoderSha256: model.graphs.biEncoder?.sha256 ?? '',
        precision,
        tokenizerFiles: model.tokenizerFiles,
        lowercase: manifest.tokenizer.lowercase,
        markers: manifest.markers,
        template: manifest.description.template,
        nameOnlyTemplate: manifest.description.nameOnlyTemplate,
        descriptionMaxLength: manifest.maxLength.description,
        relations: set,
      });
    const labels = await openLabelIndex({
      fingerprint: fingerprintOf(relations),
      cacheDir,
      kind: settings.index ?? 'auto',
      count: relations.length,
      dim: manifest.vectorSize,
      computeVectors: (onDone) => biEncoder.encodeDescriptions(relations.map((_, index) => describe(index)), onDone),
      onProgress: settings.onProgress,
    });
    const exampleVectors = createExampleVectors({
      biEncoder,
      tokenizer,
      maxSentenceLength: manifest.maxLength.sentence,
      modelIdentity: fingerprintOf([]),
      cacheDir,
      dim: manifest.vectorSize,
    });
    const exampleRule = manifest.fusion.examples ?? unfittedExampleRule;
    const initialExamples = await buildExampleState(relations, exampleVectors, exampleRule);

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
      examples: initialExamples,
      fusion,
      biOnlyFusion,
      crossGate,
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
        const checked = parseRelation({ id: current.id, name: current.name, examples }, index, () => `addExamples("${relationId}")`).examples ?? [];
        if (checked.length === 0) return;
        const all = [...(current.examples ?? []), ...checked];
        const known = pipeline.examples.prototypes.get(index)?.vectors ?? [];
        // Encode only what is new when the vectors held in memory match the relation's examples.
        const vectors =
          known.length === (current.examples ?? []).length
            ? [...known, ...(await exampleVectors.encode(relationId, checked))]
            : await exampleVectors.encode(relationId, all);
        const entry = relationPrototype(vectors);
        const prototypes = new Map(pipeline.examples.prototypes);
        if (entry !== null) prototypes.set(index, entry);
        const relationsNow = pipeline.relations.map((relation, position): Relation => (position === index ? { ...relation, examples: all } : relation));
        // Persist the relation's whole list under its fingerprint, so a new extractor with the
        // same examples starts from the cache.
        await exampleVectors.remember(relationId, all, vectors);
        pipeline.relations = relationsNow;
        pipeline.examples = exampleState(prototypes, pipeline.examples.rule);
      });
      updates = update.catch(() => undefined);
      return update;
    };

    const extractor: Extractor = {
      get relations() {
        return pipeline.relations;
      },
      addExamples,
      model: { name: manifest.name, directory: model.directory, precision, manifest },
      async extract(item: ExtractItem) {
        const [result] = await extractBatch([item]);
        return result as ExtractResult;
      },
      extractBatch,
      async extractAll(input, allOptions = {}) {
        checkOpen();
        checkNotAborted(allOptions.signal);
        const { text, entities } = parseInput(extractAllInputSchema, input, 'extractAll input');
        checkText(text);
        const spans = entities.map((entity, position) => locateEntity(text, entity, `entity ${position}`));
        const { onSkipped, pairs, windowSentences, ...batchOptions } = allOptions;
        const sentences = sentencePairing(text, { pairs, windowSentences });
        const pairing = pairEntities(text, spans, sentences === undefined ? {} : { sentences });
        const { results, refused } = await classifyPairs({ extractBatch }, text, pairing.pairs, batchOptions);
        // classifyPairs would count an abort of a one-pair call as a refused pair: it is the caller's stop.
        checkNotAborted(allOptions.signal);
        reportSkipped([...pairing.skipped, ...refused], onSkipped);
        return results.flatMap((result): Triple[] => (result.relation === null ? [] : [{ head: result.head, tail: result.tail, relation: result.relation }]));
      },
      async dispose() {
        if (disposed) return;
        disposed = true;
        await Promise.allSettled([...running]);
        await sessions.release();
      },
    };
    return extractor;
  } catch (error) {
    await sessions.release();
    throw error;
  }
}

/** Loads, runs and disposes: for one-off use. Keep an extractor from createExtractor for repeated calls. */
export async function extractRelations(items: ExtractItem[], options: ExtractorOptions): Promise<ExtractResult[]> {
  const extractor = await createExtractor(options);
  try {
    return await extractor.extractBatch(items);
  } finally {
    await extractor.dispose();
  }
}

/** Pairs extractAll could not classify go to the caller's onSkipped, or else to a process warning: never dropped silently. */
function reportSkipped(skipped: SkippedPair[], onSkipped: ExtractAllOptions['onSkipped']): void {
  if (skipped.length === 0) return;
  if (onSkipped !== undefined) {
    onSkipped(skipped);
    return;
  }
  const first = skipped[0] as SkippedPair;
  process.emitWarning(
    `extractAll did not classify ${skipped.length} entity pair(s); the first: ${first.message} ` +
      'Pass { onSkipped } as extractAll\'s second argument to receive them, or use extractDocument (zsre/kg), which returns them.',
    { code: 'ZSRE_PAIRS_SKIPPED' },
  );
}

async function resolveModelDirectory(model: string | undefined, precision: Precision, cacheDir: string, withCrossEncoder: boolean): Promise<string> {
  if (model === undefined) return defaultModelDirectory();
  if (await isHubId(model)) return downloadHubModel(model, precision, cacheDir, withCrossEncoder);
  return model;
}

interface Sessions {
  biEncoder: GraphSession;
  crossEncoder: GraphSession | null;
  release(): Promise<void>;
}

/** Opens the graphs in parallel; if one fails, the other is released before the error surfaces. */
async function openSessions(model: ModelDirectory, threads: number): Promise<Sessions> {
  const open = (name: 'biEncoder' | 'crossEncoder', label: string): Promise<GraphSession | null> => {
    const file = model.graphs[name];
    return file === null ? Promise.resolve(null) : createGraphSession(file.path, model.manifest.graphs[name], { threads, label });
  };
  const settled = await Promise.allSettled([open('biEncoder', 'bi-encoder'), open('crossEncoder', 'cross-encoder')]);
  const opened = settled.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value !== null ? [outcome.value] : []));
  const release = async (): Promise<void> => {
    await Promise.all(opened.map((session) => session.release()));
  };
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) {
    await release();
    throw failure.reason;
  }
  const [bi, cross] = settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null));
  return { biEncoder: bi as GraphSession, crossEncoder: cross ?? null, release };
}

