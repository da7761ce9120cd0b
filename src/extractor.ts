import { assembleExtractor } from './core/assembleExtractor.js';
import { openSessions } from './core/sessions.js';
import { createGraphSession } from './encoders/session.js';
import { diskExampleCache } from './examples/exampleCache.js';
import { defaultCacheDir } from './labels/cacheDir.js';
import { labelFingerprint } from './labels/fingerprint.js';
import { openLabelIndex } from './labels/labelIndex.js';
import { defaultModelDirectory } from './model/defaultModel.js';
import { downloadHubModel, isHubId } from './model/hub.js';
import { loadModelDirectory } from './model/loadModel.js';
import { loadRelations, type Relation } from './relations/index.js';
import { type ExtractItem, type ExtractResult, type Extractor, type ExtractorOptions, extractorOptionsSchema, parseInput, type Precision } from './schemas.js';
import { loadTokenizer, type TextTokenizer } from './tokenizer/load.js';

/**
 * createExtractor in Node: loads the model folder (checked against its manifest), the tokenizer
 * and the relations, opens onnxruntime-node sessions, and hands them to assembleExtractor
 * (src/core/), which wires the pipeline every platform shares; the label index and example
 * vectors persist in `cacheDir`. The browser's counterpart is src/web/createExtractor.ts.
 */
export async function createExtractor(options: ExtractorOptions): Promise<Extractor> {
  const settings = parseInput(extractorOptionsSchema, options, 'extractor options');
  const precision: Precision = settings.precision ?? 'int8';
  const useCrossEncoder = settings.useCrossEncoder ?? true;
  const cacheDir = settings.cacheDir ?? defaultCacheDir();
  const threads = settings.threads ?? 2;

  const relationsLoading = loadRelations(settings.relations);
  // Attach a handler now so a relations error while the model loads is not "unhandled".
  relationsLoading.catch(() => undefined);
  const directory = await resolveModelDirectory(settings.model, precision, cacheDir, useCrossEncoder);
  const model = await loadModelDirectory(directory, precision, { crossEncoder: useCrossEncoder });
  const { manifest } = model;
  // Sessions, tokenizer and relations load in parallel; sessions are released if anything fails.
  const tokenizerLoading = loadTokenizer(model.directory, manifest);
  tokenizerLoading.catch(() => undefined);
  const sessions = await openSessions((name, label) => {
    const file = model.graphs[name];
    return file === null ? Promise.resolve(null) : createGraphSession(file.path, manifest.graphs[name], { threads, label });
  });
  let tokenizer: TextTokenizer;
  let relations: Relation[];
  try {
    [tokenizer, relations] = await Promise.all([tokenizerLoading, relationsLoading]);
  } catch (error) {
    await sessions.release();
    throw error;
  }
  // The label index and example vectors persist under a fingerprint of everything that changes them.
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
  return assembleExtractor({
    options: settings,
    model: { name: manifest.name, directory: model.directory, precision, manifest },
    precision,
    sessions,
    tokenizer,
    relations,
    openLabels: (computeVectors) =>
      openLabelIndex({
        fingerprint: fingerprintOf(relations),
        cacheDir,
        kind: settings.index ?? 'auto',
        count: relations.length,
        dim: manifest.vectorSize,
        computeVectors,
        onProgress: settings.onProgress,
      }),
    exampleCache: diskExampleCache({ cacheDir, modelIdentity: fingerprintOf([]), maxSentenceLength: manifest.maxLength.sentence, dim: manifest.vectorSize }),
    warn: (message) => process.emitWarning(message, { code: 'ZSRE_PAIRS_SKIPPED' }),
  });
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

async function resolveModelDirectory(model: string | undefined, precision: Precision, cacheDir: string, withCrossEncoder: boolean): Promise<string> {
  if (model === undefined) return defaultModelDirectory();
  if (await isHubId(model)) return downloadHubModel(model, precision, cacheDir, withCrossEncoder);
  return model;
}
