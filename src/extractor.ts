import { int8IsBatchInvariant } from './encoders/batching.js';
import { createBiEncoder } from './encoders/biEncoder.js';
import { createCrossEncoder } from './encoders/crossEncoder.js';
import { createGraphSession, type GraphSession } from './encoders/session.js';
import { checkText, locateEntity } from './entities/locate.js';
import { ZsreError } from './errors.js';
import type { FusionParams } from './fusion/fuse.js';
import { defaultCacheDir } from './labels/cacheDir.js';
import { labelFingerprint } from './labels/fingerprint.js';
import { openLabelIndex } from './labels/labelIndex.js';
import { defaultModelDirectory } from './model/defaultModel.js';
import { downloadHubModel, isHubId } from './model/hub.js';
import { loadModelDirectory, type ModelDirectory } from './model/loadModel.js';
import { biEncoderIsSure } from './pipeline/crossGate.js';
import { type PreparedItem, prepareItem } from './pipeline/prepare.js';
import { rankCandidates } from './pipeline/rank.js';
import { loadRelations } from './relations/index.js';
import {
  extractAllInputSchema,
  type ExtractItem,
  type ExtractResult,
  type Extractor,
  type ExtractorOptions,
  extractorOptionsSchema,
  parseInput,
  type Precision,
  type Relation,
  type Triple,
} from './schemas.js';
import { chunk } from './tokenizer/batch.js';
import { loadTokenizer } from './tokenizer/load.js';
import { buildDescriptionSequence, buildPairSequence, descriptionText } from './tokenizer/sequences.js';

/**
 * createExtractor: loads the model (checked against its manifest), the tokenizer and the
 * relations, builds or loads the label index, and returns the extractor. The pipeline per
 * batch: prepare items -> bi-encoder -> label index top-K -> cross-encoder on the top-k pairs of
 * the batch's sentences that the adaptive gate does not find sure already -> fuse and abstain.
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
      sessions.crossEncoder === null ? null : createCrossEncoder(sessions.crossEncoder, { padId: tokenizer.special.pad, batchSize: graphBatchSize });
    const descriptionIds = new Map<number, number[]>();
    const describe = (index: number): number[] => {
      let ids = descriptionIds.get(index);
      if (ids === undefined) {
        const text = descriptionText(relations[index] as Relation, manifest.description);
        ids = buildDescriptionSequence(tokenizer.encode(text), tokenizer.special, manifest.maxLength.description);
        descriptionIds.set(index, ids);
      }
      return ids;
    };
    // Shorter cross-encoder pairs (option pairLength): the sentence re-windowed around its entities
    // by the same rules as the full one, the description cut. Off by default: fusion and the gate
    // were fitted on full pairs (benchmarks/results/pair-window_*.json measures the cost).
    const pairLength = settings.pairLength ?? null;
    const pairSentence = (item: ExtractItem, prepared: PreparedItem): number[] =>
      pairLength === null || pairLength.sentence >= manifest.maxLength.sentence
        ? prepared.sequence.ids
        : prepareItem(item, tokenizer, pairLength.sentence).sequence.ids;
    const pairDescription = (index: number): number[] => {
      const ids = describe(index);
      if (pairLength === null || ids.length <= pairLength.description) return ids;
      return [...ids.slice(0, pairLength.description - 1), ids[ids.length - 1] as number];
    };
    const labels = await openLabelIndex({
      fingerprint: labelFingerprint({
        biEncoderSha256: model.graphs.biEncoder?.sha256 ?? '',
        precision,
        template: manifest.description.template,
        nameOnlyTemplate: manifest.description.nameOnlyTemplate,
        descriptionMaxLength: manifest.maxLength.description,
        relations,
      }),
      cacheDir,
      kind: settings.index ?? 'auto',
      count: relations.length,
      dim: manifest.vectorSize,
      computeVectors: () => biEncoder.encodeDescriptions(relations.map((_, index) => describe(index))),
    });

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

    const runBatch: Extractor['extractBatch'] = async (items, batchOptions = {}) => {
      const prepared = items.map((item, position) => prepareItem(item, tokenizer, manifest.maxLength.sentence, items.length > 1 ? position : undefined));
      const results: ExtractResult[] = [];
      for (const [groupIndex, group] of chunk(prepared, batchSize).entries()) {
        checkOpen();
        const vectors = await biEncoder.encodeSentences(group.map((item) => item.sequence));
        // The index returns recallK; the best topK of those by biScore go to the cross-encoder.
        const hits = vectors.map((vector) => labels.search(vector, recallK).slice(0, topK));
        // Per row: cross scores, or null where the cross-encoder does not run (bi-only mode, or sure).
        let crossScores: (number[] | null)[] = hits.map(() => null);
        if (crossEncoder !== null) {
          const rerank = hits.map((row) => crossGate === null || !biEncoderIsSure(row, biOnlyFusion, crossGate));
          const pairs = group.flatMap((item, row) => {
            if (!rerank[row]) return [];
            const sentence = pairSentence(items[groupIndex * batchSize + row] as ExtractItem, item);
            return (hits[row] ?? []).map((hit) => buildPairSequence(sentence, pairDescription(hit.index)));
          });
          const flat = pairs.length > 0 ? await crossEncoder.score(pairs) : [];
          let offset = 0;
          crossScores = hits.map((row, index) => {
            if (!rerank[index]) return null;
            const scores = flat.slice(offset, offset + row.length);
            offset += row.length;
            return scores;
          });
        }
        group.forEach((item, row) => {
          const scores = crossScores[row] ?? null;
          results.push(rankCandidates(item, hits[row] ?? [], scores, relations, scores === null ? biOnlyFusion : fusion));
        });
        batchOptions.onProgress?.(results.length, items.length);
      }
      return results;
    };
    const extractBatch: Extractor['extractBatch'] = (items, batchOptions) => {
      try {
        checkOpen();
        if (!Array.isArray(items)) {
          throw new ZsreError('INVALID_INPUT', `extractBatch expects an array of items, received ${typeof items}: wrap a single item in [ ] or call extract().`);
        }
      } catch (error) {
        return Promise.reject(error);
      }
      return track(runBatch(items, batchOptions));
    };

    const extractor: Extractor = {
      relations,
      model: { name: manifest.name, directory: model.directory, precision, manifest },
      async extract(item: ExtractItem) {
        const [result] = await extractBatch([item]);
        return result as ExtractResult;
      },
      extractBatch,
      async extractAll(input) {
        checkOpen();
        const { text, entities } = parseInput(extractAllInputSchema, input, 'extractAll input');
        checkText(text);
        // The same span named twice (e.g. a string and its explicit span) is one entity.
        const spans: { start: number; end: number }[] = [];
        entities.forEach((entity, position) => {
          const span = locateEntity(text, entity, `entity ${position}`);
          if (!spans.some((seen) => seen.start === span.start && seen.end === span.end)) spans.push(span);
        });
        const items: ExtractItem[] = [];
        for (const head of spans) {
          for (const tail of spans) {
            if (head === tail || overlaps(head, tail)) continue;
            items.push({ text, head: { start: head.start, end: head.end }, tail: { start: tail.start, end: tail.end } });
          }
        }
        if (items.length === 0) return [];
        const results = await extractBatch(items);
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

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
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
