import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { distDir, playgroundDir } from './build.js';

/**
 * The playground's static server: playground/dist at "/", the repository's models/ at
 * "/models/" (and test/fixtures at "/fixtures/" with `fixtures: true`, for the browser test). By default it sends COOP/COEP headers, which make the page cross-origin isolated
 * (SharedArrayBuffer, so onnxruntime-web may use threads); `isolated: false` serves without them.
 * No caching headers: the page's Cache API holds the model, never the HTTP cache, so a "cold"
 * load in a fresh browser profile is really cold.
 */
export interface PlaygroundServer {
  url: string;
  close(): Promise<void>;
}

const modelsDir = path.join(path.dirname(playgroundDir), 'models');
// The test models (test/fixtures/tiny-model has fp32 graphs too), served only when a test asks.
const fixturesDir = path.join(path.dirname(playgroundDir), 'test', 'fixtures');
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

export async function startPlaygroundServer(options: { port?: number; host?: string; isolated?: boolean; fixtures?: boolean } = {}): Promise<PlaygroundServer> {
  const isolated = options.isolated ?? true;
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const [base, rest] = pathname.startsWith('/models/')
      ? [modelsDir, pathname.slice('/models/'.length)]
      : options.fixtures === true && pathname.startsWith('/fixtures/')
        ? [fixturesDir, pathname.slice('/fixtures/'.length)]
        : [distDir, pathname.slice(1) || 'index.html'];
    const file = path.resolve(base, rest);
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    // Only files inside the served folders: "/models/../package.json" is a 404, not a leak.
    if (!file.startsWith(base + path.sep) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, headers).end('not found');
      return;
    }
    stat(file).then(
      (info) => {
        if (!info.isFile()) {
          response.writeHead(404, headers).end('not found');
          return;
        }
        response.writeHead(200, { ...headers, 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': String(info.size) });
        if (request.method === 'HEAD') response.end();
        else createReadStream(file).pipe(response);
      },
      () => response.writeHead(404, headers).end('not found'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
