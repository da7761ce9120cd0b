/**
 * fetchModel (src/web/fetchModel.ts), the page's model loader, run in Node against a real local
 * HTTP server over a copy of the tiny fixture model: the same integrity rules as Node's loader
 * (manifest digest, every file's sha256), the errors a page user sees, and the Cache API rules
 * (a cached file is used only when its bytes hash to the manifest's sha256).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZsreError } from '../src/errors.js';
import { sealManifest } from '../src/model/integrity.js';
import type { CacheLike } from '../src/web/download.js';
import { fetchModel } from '../src/web/fetchModel.js';
import { copyFixture } from './helpers/modelDir.js';

let root: string;
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  root = await copyFixture();
  server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).slice(1);
    requests.push(name);
    readFile(path.join(root, name)).then(
      (bytes) => response.writeHead(200, { 'Content-Length': String(bytes.length) }).end(bytes),
      () => response.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A folder served under /<name>/: a copy of the fixture's files, with `change` applied. */
async function variant(name: string, change: (files: Map<string, Buffer>) => void): Promise<string> {
  const { mkdir, readdir } = await import('node:fs/promises');
  const files = new Map<string, Buffer>();
  for (const file of await readdir(root)) if (!file.includes('/')) files.set(file, await readFile(path.join(root, file)).catch(() => Buffer.alloc(0)));
  change(files);
  await mkdir(path.join(root, name), { recursive: true });
  for (const [file, bytes] of files) await writeFile(path.join(root, name, file), bytes);
  return `${base}/${name}/`;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!isZsreError(error)) throw new Error(`expected a ZsreError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

/** An in-memory stand-in for the Cache API (Node has none). */
function memoryCache(): CacheLike & { entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return {
    entries,
    match: async (url) => (entries.has(url) ? new Response(entries.get(url) as Uint8Array<ArrayBuffer>) : undefined),
    put: async (url, response) => {
      entries.set(url, new Uint8Array(await response.arrayBuffer()));
    },
    delete: async (url) => entries.delete(url),
  };
}

describe('fetchModel', () => {
  it('fetches and verifies the files one run reads, with progress', async () => {
    const events: string[] = [];
    const model = await fetchModel({ url: `${base}/`, precision: 'fp32', crossEncoder: true, cache: false, onDownload: (event) => event.done && events.push(event.file) });
    expect(model.url).toBe(`${base}/`);
    expect(model.manifest.name).toBe('tiny-fixture');
    expect(model.graphs.biEncoder?.length).toBeGreaterThan(1000);
    expect(model.graphs.crossEncoder?.length).toBeGreaterThan(1000);
    expect([...model.tokenizerFiles.keys()].sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    expect(events.sort()).toEqual(['bi_encoder.fp32.onnx', 'cross_encoder.fp32.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const biOnly = await fetchModel({ url: `${base}/manifest.json`, precision: 'int8', crossEncoder: false, cache: false });
    expect(biOnly.graphs.crossEncoder).toBeNull();
  });

  it('refuses a graph whose bytes differ from the manifest', async () => {
    const url = await variant('flipped', (files) => {
      const graph = Buffer.from(files.get('bi_encoder.int8.onnx') as Buffer);
      graph[graph.length - 1] = (graph[graph.length - 1] as number) ^ 1;
      files.set('bi_encoder.int8.onnx', graph);
    });
    const error = await failure(fetchModel({ url, precision: 'int8', crossEncoder: true, cache: false }));
    expect(error.code).toBe('MODEL_CHECKSUM');
    expect(error.message).toContain(`${url}bi_encoder.int8.onnx does not match manifest.json (graphs.biEncoder.files.int8`);
  });

  it('refuses a manifest changed after export, and a sealed manifest over a changed tokenizer', async () => {
    const edited = await variant('edited', (files) => {
      const manifest = JSON.parse(String(files.get('manifest.json'))) as { fusion: { threshold: number } };
      manifest.fusion.threshold = 0.01;
      files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    });
    const digest = await failure(fetchModel({ url: edited, precision: 'int8', crossEncoder: true, cache: false }));
    expect(digest.code).toBe('MODEL_CHECKSUM');
    expect(digest.message).toContain('the manifest was changed after export');

    const tokenizer = await variant('tokenizer', (files) => {
      files.set('tokenizer_config.json', Buffer.from('{"do_lower_case": false}'));
      files.set('manifest.json', Buffer.from(JSON.stringify(sealManifest(JSON.parse(String(files.get('manifest.json'))) as Record<string, unknown>))));
    });
    const file = await failure(fetchModel({ url: tokenizer, precision: 'int8', crossEncoder: true, cache: false }));
    expect(file.code).toBe('MODEL_CHECKSUM');
    expect(file.message).toContain('tokenizer_config.json does not match manifest.json (tokenizer.files.1');
  });

  it('says what is missing: the manifest (404), a listed file, an absent precision', async () => {
    const missing = await failure(fetchModel({ url: `${base}/nowhere/`, precision: 'int8', crossEncoder: true, cache: false }));
    expect(missing.code).toBe('MODEL_NOT_FOUND');
    expect(missing.message).toContain(`${base}/nowhere/manifest.json could not be fetched (HTTP 404`);
    const unreachable = await failure(fetchModel({ url: 'http://127.0.0.1:1/model/', precision: 'int8', crossEncoder: true, cache: false }));
    expect(unreachable.code).toBe('MODEL_NOT_FOUND');
    expect(unreachable.message).toContain('cannot be reached');
    const partial = await variant('partial', (files) => files.delete('cross_encoder.int8.onnx'));
    const file = await failure(fetchModel({ url: partial, precision: 'int8', crossEncoder: true, cache: false }));
    expect(file.code).toBe('MODEL_INVALID');
    expect(file.message).toContain(`${partial}cross_encoder.int8.onnx (graphs.crossEncoder.files.int8 in manifest.json) could not be fetched (HTTP 404`);
    const notUrl = await failure(fetchModel({ url: 'http://[bad', precision: 'int8', crossEncoder: true, cache: false }));
    expect(notUrl.code).toBe('INVALID_INPUT');
  });

  it('uses a cached file only when it hashes to the manifest, and the cached manifest when offline', async () => {
    const cache = memoryCache();
    const caches = { open: async () => cache };
    const global = globalThis as { caches?: unknown };
    global.caches = caches;
    try {
      const url = await variant('cached', () => undefined);
      await fetchModel({ url, precision: 'int8', crossEncoder: true, cache: 'test' });
      expect([...cache.entries.keys()].map((key) => key.slice(url.length)).sort()).toEqual(['bi_encoder.int8.onnx', 'cross_encoder.int8.onnx', 'manifest.json', 'tokenizer.json', 'tokenizer_config.json']);
      // A second load reads the graphs from the cache: only manifest.json goes to the server.
      requests.length = 0;
      const events: boolean[] = [];
      await fetchModel({ url, precision: 'int8', crossEncoder: true, cache: 'test', onDownload: (event) => events.push(event.cached) });
      expect(requests).toEqual(['cached/manifest.json']);
      expect(events.every(Boolean)).toBe(true);
      // A corrupted cached copy is dropped and fetched again.
      const graphUrl = `${url}bi_encoder.int8.onnx`;
      const corrupted = new Uint8Array(cache.entries.get(graphUrl) as Uint8Array);
      corrupted[0] = (corrupted[0] as number) ^ 0xff;
      cache.entries.set(graphUrl, corrupted);
      requests.length = 0;
      await fetchModel({ url, precision: 'int8', crossEncoder: true, cache: 'test' });
      expect(requests.sort()).toEqual(['cached/bi_encoder.int8.onnx', 'cached/manifest.json']);
      // Offline (the server gone for this folder): the cached manifest, verified, and cached files.
      const { rm } = await import('node:fs/promises');
      await rm(path.join(root, 'cached'), { recursive: true });
      const offline = await fetchModel({ url, precision: 'int8', crossEncoder: true, cache: 'test' });
      expect(offline.manifest.name).toBe('tiny-fixture');
    } finally {
      delete global.caches;
    }
  });
});
