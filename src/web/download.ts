/**
 * Fetching one model file in the page, with progress and the Cache API. Files that manifest.json
 * lists with a sha256 are content-addressed: a cached copy whose bytes hash to that sha256 is
 * exactly the file, so it is used without touching the network (a second visit works offline),
 * and a cached copy that does not is dropped and fetched again.
 */

/** Progress of the model download, per file: `loaded` of `total` bytes (total null when the server does not say). */
export interface DownloadProgress {
  file: string;
  loaded: number;
  total: number | null;
  /** the bytes came from the Cache API, not the network. */
  cached: boolean;
  done: boolean;
}

/** The part of the Cache API used here (typed locally: the library is built without the DOM lib). */
export interface CacheLike {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
  delete(request: string): Promise<boolean>;
}

interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
}

/** The named cache, or null where the page has no Cache API (an insecure http: origin other than localhost). */
export async function openCache(name: string | false): Promise<CacheLike | null> {
  const storage = (globalThis as { caches?: CacheStorageLike }).caches;
  if (name === false || storage === undefined) return null;
  return storage.open(name).catch(() => null);
}

/** How a fetch ended: the bytes, or why there are none (HTTP status, or a network error's message). */
export type Fetched = { ok: true; bytes: Uint8Array; cached: boolean } | { ok: false; status: number | null; reason: string };

export async function fetchBytes(url: string, file: string, onProgress: ((event: DownloadProgress) => void) | undefined): Promise<Fetched> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    return { ok: false, status: null, reason: (cause as Error).message };
  }
  if (!response.ok) return { ok: false, status: response.status, reason: `HTTP ${response.status} ${response.statusText}`.trim() };
  const header = response.headers.get('content-length');
  const total = header === null || !/^\d+$/.test(header) ? null : Number(header);
  const reader = response.body?.getReader();
  if (reader === undefined) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.({ file, loaded: bytes.length, total: bytes.length, cached: false, done: true });
    return { ok: true, bytes, cached: false };
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress?.({ file, loaded, total, cached: false, done: false });
    }
  } catch (cause) {
    return { ok: false, status: null, reason: `the download broke off after ${loaded} bytes (${(cause as Error).message})` };
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  onProgress?.({ file, loaded, total: loaded, cached: false, done: true });
  return { ok: true, bytes, cached: false };
}

/**
 * A listed file: from the cache when its bytes hash to `sha256` (`cached: true`: already
 * verified), else from the network, whose bytes the caller checks before storing them.
 */
export async function fetchListed(options: {
  url: string;
  file: string;
  sha256: string | null;
  cache: CacheLike | null;
  hash: (bytes: Uint8Array) => Promise<string>;
  onProgress: ((event: DownloadProgress) => void) | undefined;
}): Promise<Fetched> {
  const { url, file, sha256, cache, hash, onProgress } = options;
  if (cache !== null && sha256 !== null) {
    const hit = await cache.match(url).catch(() => undefined);
    if (hit !== undefined) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      if ((await hash(bytes)) === sha256) {
        onProgress?.({ file, loaded: bytes.length, total: bytes.length, cached: true, done: true });
        return { ok: true, bytes, cached: true };
      }
      await cache.delete(url).catch(() => false);
    }
  }
  return fetchBytes(url, file, onProgress);
}

/** Stores verified bytes; a full or unavailable cache only costs a download next time. */
export async function remember(cache: CacheLike | null, url: string, bytes: Uint8Array): Promise<void> {
  if (cache === null) return;
  await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>)).catch(() => undefined);
}
