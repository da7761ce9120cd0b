import { assembleExtractor } from '../core/assembleExtractor.js';
import { openSessions } from '../core/sessions.js';
import { exactLabelIndex, flattenRows } from '../labels/exactIndex.js';
import { checkRelationSet, describeArrayEntry, parseRelation } from '../relations/schema.js';
import { type ExtractItem, type ExtractResult, type Extractor, parseInput, type Precision } from '../schemas.js';
import { fetchModel } from './fetchModel.js';
import { webExtractorOptionsSchema, type WebExtractorOptions } from './options.js';
import { configureWasm, createWebSession } from './session.js';
import { webTokenizer } from './tokenizer.js';

/**
 * createExtractor in the page: fetches and verifies the model folder (fetchModel.ts), builds the
 * tokenizer and onnxruntime-web sessions from the verified bytes, and hands them to
 * assembleExtractor (src/core/), the same wiring Node uses. The label index is exact and held in
 * memory (its vectors are computed at load); example vectors are not kept between page loads.
 */
export async function createExtractor(options: WebExtractorOptions): Promise<Extractor> {
  const settings = parseInput(webExtractorOptionsSchema, options, 'extractor options');
  const precision: Precision = settings.precision ?? 'int8';
  const useCrossEncoder = settings.useCrossEncoder ?? true;
  // Relations are checked before the download, so a typo in one costs no 55 MB.
  const relations = settings.relations.map((value: unknown, index) => parseRelation(value, index, describeArrayEntry));
  checkRelationSet(relations, describeArrayEntry);
  configureWasm({ threads: wasmThreads(settings.threads), wasmPaths: settings.wasmPaths });

  const model = await fetchModel({
    url: settings.model,
    precision,
    crossEncoder: useCrossEncoder,
    cache: settings.cache ?? 'zsre-models',
    onDownload: settings.onDownload,
  });
  const { manifest } = model;
  const tokenizer = webTokenizer(model.tokenizerFiles, manifest, model.url);
  const sessions = await openSessions((name, label) => {
    const bytes = model.graphs[name];
    const file = manifest.graphs[name].files[precision]?.file ?? name;
    return bytes === null ? Promise.resolve(null) : createWebSession(bytes, manifest.graphs[name], new URL(file, model.url).href, label);
  });
  return assembleExtractor({
    options: settings,
    model: { name: manifest.name, directory: model.url, precision, manifest },
    precision,
    sessions,
    tokenizer,
    relations,
    openLabels: async (computeVectors) => {
      const rows = await computeVectors((done) => settings.onProgress?.({ stage: 'encode', done, total: relations.length }));
      return exactLabelIndex(flattenRows(rows, manifest.vectorSize), manifest.vectorSize, 'built');
    },
    exampleCache: null,
    warn: (message) => console.warn(`zsre: ${message}`),
    // Measured in Chromium (test/web-browser.test.ts): with the shipped int8 model a sentence
    // alone and the same sentence padded inside a batch differed by up to 8e-4 in probability;
    // onnxruntime-web's WASM float kernels round differently with the padded length, and the
    // graph's int8 rounding of activations amplifies that. One row per call gives every sentence
    // the same answer in any batch, as in Node, and costs little: WASM gains little from batching.
    int8RowByRow: true,
  });
}

/** Loads, runs and disposes: for one-off use. Keep an extractor from createExtractor for repeated calls. */
export async function extractRelations(items: ExtractItem[], options: WebExtractorOptions): Promise<ExtractResult[]> {
  const extractor = await createExtractor(options);
  try {
    return await extractor.extractBatch(items);
  } finally {
    await extractor.dispose();
  }
}

/**
 * WASM threads need SharedArrayBuffer, which a page has only when cross-origin isolated (served
 * with COOP/COEP headers). Elsewhere the runtime is single-threaded whatever was asked; where it
 * is isolated, the default is the machine's cores, at most 4 (more rarely pays for one sentence).
 */
function wasmThreads(requested: number | undefined): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (!isolated) return 1;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return requested ?? Math.max(1, Math.min(4, cores));
}
