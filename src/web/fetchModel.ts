import { ZsreError } from '../errors.js';
import { checkDigest, digestedText, statedDigest } from '../model/digestCheck.js';
import { type GraphName, type Manifest, tokenizerFileRefs } from '../model/manifest.js';
import { checkManifestObject, checksumError, invalidManifest, parseManifest } from '../model/validateManifest.js';
import type { Precision } from '../schemas.js';
import { type CacheLike, type DownloadProgress, fetchBytes, fetchListed, openCache, remember } from './download.js';
import { sha256Hex } from './sha256.js';

/** A model folder fetched over HTTP and verified: the browser's counterpart of loadModelDirectory. */
export interface FetchedModel {
  /** the folder's absolute URL, ending in "/". */
  url: string;
  manifest: Manifest;
  graphs: Record<GraphName, Uint8Array | null>;
  /** tokenizer files by name. */
  tokenizerFiles: Map<string, Uint8Array>;
  verified: boolean;
}

export interface FetchModelOptions {
  url: string;
  precision: Precision;
  crossEncoder: boolean;
  /** Cache API name, or false for none. */
  cache: string | false;
  onDownload?: ((event: DownloadProgress) => void) | undefined;
}

/**
 * The same rules as Node's loader (src/model/loadModel.ts): the manifest's digest (format 2) and
 * schema, then the sha256 of every file this run reads, before any of it reaches onnxruntime or
 * the tokenizer. manifest.json is fetched from the network first, so a re-published model is
 * seen; offline, the cached copy is used, and it is verified like a fresh one.
 */
export async function fetchModel(options: FetchModelOptions): Promise<FetchedModel> {
  const base = folderUrl(options.url);
  const manifestUrl = new URL('manifest.json', base).href;
  const cache = await openCache(options.cache);
  const manifestBytes = await fetchManifestBytes(manifestUrl, cache);
  const manifest = await verifyManifest(manifestBytes, manifestUrl);
  await remember(cache, manifestUrl, manifestBytes);

  const wanted: GraphName[] = options.crossEncoder ? ['biEncoder', 'crossEncoder'] : ['biEncoder'];
  const other: Precision = options.precision === 'int8' ? 'fp32' : 'int8';
  const graphRefs = wanted.map((graph) => {
    const ref = manifest.graphs[graph].files[options.precision];
    if (ref === undefined) {
      throw invalidManifest(
        manifestUrl,
        `graphs.${graph}.files has no ${options.precision} entry (load with precision '${other}' if the model ships it)`,
        `graphs.${graph}.files.${options.precision}`,
      );
    }
    return { graph, file: ref.file, sha256: ref.sha256, field: `graphs.${graph}.files.${options.precision}` };
  });
  const tokenizerRefs = tokenizerFileRefs(manifest).map((ref, index) => ({ ...ref, field: `tokenizer.files.${index}` }));
  const load = async (ref: { file: string; sha256: string | null; field: string }, missingHint: string): Promise<Uint8Array> => {
    const url = new URL(ref.file, base).href;
    const fetched = await fetchListed({ url, file: ref.file, sha256: ref.sha256, cache, hash: sha256Hex, onProgress: options.onDownload });
    if (!fetched.ok) {
      throw new ZsreError('MODEL_INVALID', `${url} (${ref.field} in manifest.json) could not be fetched (${fetched.reason}): ${missingHint}`, {
        context: { file: url, field: ref.field, status: fetched.status },
      });
    }
    if (ref.sha256 !== null) {
      const actual = fetched.cached ? ref.sha256 : await sha256Hex(fetched.bytes);
      if (actual !== ref.sha256) throw checksumError(url, ref.field, ref.sha256, actual);
    }
    if (!fetched.cached) await remember(cache, url, fetched.bytes);
    return fetched.bytes;
  };
  const graphHint = `serve the whole model folder, or load with precision '${other}' if only that precision was shipped.`;
  const [graphBytes, tokenizerBytes] = await Promise.all([
    Promise.all(graphRefs.map((ref) => load(ref, graphHint))),
    Promise.all(tokenizerRefs.map((ref) => load(ref, 'serve the whole model folder, tokenizer files included.'))),
  ]);
  const graphs: FetchedModel['graphs'] = { biEncoder: null, crossEncoder: null };
  graphRefs.forEach((ref, index) => {
    graphs[ref.graph] = graphBytes[index] ?? null;
  });
  const tokenizerFiles = new Map(tokenizerRefs.map((ref, index) => [ref.file, tokenizerBytes[index] as Uint8Array]));
  const verified = manifest.formatVersion >= 2;
  if (!verified) {
    console.warn(`zsre: model ${base} has manifest format version 1: its manifest and tokenizer files are not verified (only the graphs' sha256); re-export it.`);
  }
  return { url: base, manifest, graphs, tokenizerFiles, verified };
}

/** The folder URL, absolute (relative to the page) and ending in "/" so that file names resolve inside it. */
export function folderUrl(model: string): string {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  let url: URL;
  try {
    url = page === undefined ? new URL(model) : new URL(model, page);
  } catch (cause) {
    throw new ZsreError('INVALID_INPUT', `Invalid extractor options: field "model" ("${model}") is not a URL: pass the URL of the folder that holds manifest.json.`, {
      cause,
      context: { field: 'model' },
    });
  }
  if (!url.pathname.endsWith('/')) url.pathname = url.pathname.replace(/\/manifest\.json$/, '') + '/';
  return url.href;
}

async function fetchManifestBytes(url: string, cache: CacheLike | null): Promise<Uint8Array> {
  const fetched = await fetchBytes(url, 'manifest.json', undefined);
  if (fetched.ok) return fetched.bytes;
  const cached = cache === null ? undefined : await cache.match(url).catch(() => undefined);
  if (cached !== undefined) return new Uint8Array(await cached.arrayBuffer());
  const hint =
    fetched.status === null
      ? 'the server cannot be reached (offline, a wrong host, or a cross-origin server without CORS headers) and no copy is cached from an earlier visit'
      : `the server answered ${fetched.reason}: pass \`model\` as the URL of a folder that holds manifest.json`;
  throw new ZsreError('MODEL_NOT_FOUND', `Model manifest ${url} could not be fetched (${fetched.reason}): ${hint}.`, {
    context: { file: url, status: fetched.status },
  });
}

async function verifyManifest(bytes: Uint8Array, file: string): Promise<Manifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ZsreError('MODEL_INVALID', `${file} is not valid JSON (${(cause as Error).message}): re-export or re-download the model.`, {
      cause,
      context: { file },
    });
  }
  const record = checkManifestObject(raw, file);
  if (record.formatVersion !== 1) checkDigest(file, statedDigest(record, file), await sha256Hex(digestedText(record)));
  return parseManifest(record, file);
}
