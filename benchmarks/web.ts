/**
 * npm run bench:web: zsre/web's budgets (issue 25), measured in Debian's Chromium (headless,
 * playwright-core) against Node on the same machine, written to benchmarks/results/web.json
 * (npm run bench:report turns it into the README's "In the browser" figures):
 *  - the JS the playground page loads (its bundle, and onnxruntime-web's WASM loader), apart from the WASM and the model;
 *  - time to first answer: navigation start to the first ranking on screen, cold (fresh browser
 *    profile, model over HTTP from the local server) and warm (same profile: model from the Cache API);
 *  - sentences/s on the 200-sentence FewRel parity set: page (threaded and single-threaded) and Node;
 *  - parity with Node (top-1 agreement, largest probability difference) for the shipped int8 model;
 *  - the exact label index scan in the page and in Node at thousands of relations.
 * Options: --runs N (cold and warm loads, default 3).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'tsup';
import type { Browser, Page } from 'playwright-core';
import { parseFlags } from './lib/args.js';
import { repoPath, resultsDir, runEnvironment } from './lib/environment.js';
import { compareWithNode, findChromium, launchChromium, openPlayground, type PageGlobals, readParitySet, runInPage, chromiumHint, parityFile } from './lib/webPage.js';
import { buildPlayground, distDir } from '../playground/build.js';
import { startPlaygroundServer } from '../playground/server.js';
import { createExtractor, type ExtractResult } from '../src/index.js';
import { exactLabelIndex } from '../src/labels/exactIndex.js';

const flags = parseFlags('Usage: npm run bench:web [-- --runs N]', { runs: { type: 'string' } });
const runs = flags.positiveInteger('runs', 3);
const chromium = findChromium();
if (chromium === undefined) {
  console.error(`bench:web needs Chromium: ${chromiumHint}`);
  process.exit(2);
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const loadAtStart = loadavg().map((value) => round(value, 2));
// Before anything is written: the screenshot below changes a tracked file, which would read as a dirty tree.
const environment = runEnvironment();
const parity = readParitySet();
const items = parity.items.map(({ gold: _gold, ...item }) => item);
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

// Node first, on a quiet machine: the same 200 sentences, after a warm-up call.
async function nodeRun(threads: number): Promise<{ results: ExtractResult[]; sentencesPerSecond: number }> {
  const extractor = await createExtractor({ relations: parity.relations, threads, cacheDir: await mkdtemp(path.join(tmpdir(), 'zsre-bench-web-')) });
  try {
    await extractor.extractBatch(items.slice(0, 8));
    const started = performance.now();
    const results = await extractor.extractBatch(items);
    return { results, sentencesPerSecond: items.length / ((performance.now() - started) / 1000) };
  } finally {
    await extractor.dispose();
  }
}
console.log('Node: 200 sentences, 2 threads and 1 thread...');
const node2 = await nodeRun(2);
const node1 = await nodeRun(1);

console.log('building the playground...');
await buildPlayground();
// The label index module alone, for the scan measurement in the page.
await build({ config: false, entry: { exactIndex: 'src/labels/exactIndex.ts' }, outDir: path.join(distDir, 'bench'), format: ['esm'], platform: 'browser', target: 'es2022', silent: true, minify: true });
const bytes = (file: string): { bytes: number; gzip: number } => {
  const data = readFileSync(path.join(distDir, file));
  return { bytes: data.length, gzip: gzipSync(data).length };
};

const isolatedServer = await startPlaygroundServer({ isolated: true });
const singleServer = await startPlaygroundServer({ isolated: false });
const browser: Browser = await launchChromium(chromium);

/** Loads the page in a context and returns the page's time to first answer (ms from navigation start). */
async function firstAnswer(page: Page, url: string): Promise<number> {
  await openPlayground(page, url);
  const ms = await page.evaluate(() => (globalThis as unknown as PageGlobals).playground?.firstAnswerMs() ?? null);
  if (ms === null) throw new Error('the playground reported no first answer');
  return ms;
}

console.log(`cold and warm loads (${runs} each)...`);
const cold: number[] = [];
const warm: number[] = [];
const scripts = new Map<string, number>();
for (let run = 0; run < runs; run += 1) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('response', (response) => {
    const type = response.headers()['content-type'] ?? '';
    if (type.includes('javascript')) scripts.set(new URL(response.url()).pathname, Number(response.headers()['content-length'] ?? 0));
  });
  cold.push(await firstAnswer(page, isolatedServer.url));
  warm.push(await firstAnswer(page, isolatedServer.url));
  if (run === 0) await page.screenshot({ path: path.join(resultsDir, 'web-playground.png') });
  await context.close();
}

console.log('page: 200 sentences, threaded and single-threaded...');
async function pageRun(url: string): Promise<{ results: ExtractResult[]; sentencesPerSecond: number; threads: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openPlayground(page, url);
  await runInPage(page, { relations: parity.relations, items: items.slice(0, 8), singles: 0 });
  const run = await runInPage(page, { relations: parity.relations, items, singles: 0 });
  await context.close();
  return { results: run.results, sentencesPerSecond: items.length / (run.ms / 1000), threads: run.threads };
}
const pageThreaded = await pageRun(isolatedServer.url);
const pageSingle = await pageRun(singleServer.url);
const parityThreaded = compareWithNode(node2.results, pageThreaded.results);
const paritySingle = compareWithNode(node2.results, pageSingle.results);

console.log('exact label index scan...');
const scanSizes = [1000, 5000, 11665];
const dim = 1152;
const queries = 100;
// Deterministic unit vectors (the same generator in Node and in the page): a scan's cost does not depend on the values.
function unitRows(count: number, width: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const rows = new Float32Array(count * width);
  for (let row = 0; row < count; row += 1) {
    let norm = 0;
    for (let i = 0; i < width; i += 1) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const value = state / 4294967296 - 0.5;
      rows[row * width + i] = value;
      norm += value * value;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < width; i += 1) rows[row * width + i] = (rows[row * width + i] as number) * scale;
  }
  return rows;
}
const nodeScan = scanSizes.map((count) => {
  const index = exactLabelIndex(unitRows(count, dim, 1), dim, 'built');
  const probes = unitRows(queries, dim, 2);
  index.search(probes.subarray(0, dim), 10);
  const started = performance.now();
  for (let q = 0; q < queries; q += 1) index.search(probes.subarray(q * dim, (q + 1) * dim), 10);
  return { labels: count, msPerQuery: round((performance.now() - started) / queries, 3) };
});
const scanContext = await browser.newContext();
const scanPage = await scanContext.newPage();
await scanPage.goto(isolatedServer.url);
const pageScan = await scanPage.evaluate(
  async ({ sizes, width, count, generator }) => {
    const unit = new Function(`return ${generator}`)() as (count: number, width: number, seed: number) => Float32Array;
    const page = globalThis as unknown as PageGlobals;
    const module = (await import(new URL('./bench/exactIndex.js', page.location.href).href)) as typeof import('../src/labels/exactIndex.js');
    return sizes.map((labels) => {
      const index = module.exactLabelIndex(unit(labels, width, 1), width, 'built');
      const probes = unit(count, width, 2);
      index.search(probes.subarray(0, width), 10);
      const started = page.performance.now();
      for (let q = 0; q < count; q += 1) index.search(probes.subarray(q * width, (q + 1) * width), 10);
      return { labels, msPerQuery: Math.round(((page.performance.now() - started) / count) * 1000) / 1000 };
    });
  },
  { sizes: scanSizes, width: dim, count: queries, generator: unitRows.toString() },
);
await scanContext.close();

const chromiumVersion = browser.version();
await browser.close();
await isolatedServer.close();
await singleServer.close();

const modelDir = path.join('models', 'zsre-minilm-l6-general');
const modelBytes = ['manifest.json', 'bi_encoder.int8.onnx', 'cross_encoder.int8.onnx', 'tokenizer.json', 'tokenizer_config.json'].reduce((sum, file) => sum + statSync(path.join(modelDir, file)).size, 0);
const result = {
  benchmark: 'web',
  // The 1-minute load average before and after: other jobs on the machine slow Node and the page alike.
  environment: { ...environment, chromium: chromiumVersion, loadAverage: { start: loadAtStart, end: loadavg().map((value) => round(value, 2)) } },
  settings: {
    model: repoPath(modelDir),
    precision: 'int8',
    rerank: 'adaptive',
    sentences: repoPath(parityFile),
    relations: parity.relations.length,
    nodeThreads: [2, 1],
    pageThreads: `${pageThreaded.threads}; ${pageSingle.threads}`,
    pageGraphBatch: 'one row per call (int8 in the page: see src/web/createExtractor.ts)',
    nodeGraphBatch: 32,
    loads: runs,
  },
  size: {
    note: 'JS the playground loads besides the WASM binary and the model: its bundle (zsre/web, onnxruntime-web JS, tokenizer, zod, the page) and onnxruntime-web\'s WASM loader',
    pageBundle: bytes('main.js'),
    wasmLoader: bytes('ort/ort-wasm-simd-threaded.mjs'),
    wasm: bytes('ort/ort-wasm-simd-threaded.wasm'),
    modelBytes,
    scriptsLoaded: Object.fromEntries([...scripts.entries()].sort()),
  },
  firstAnswerMs: {
    note: 'navigation start to the first ranking on screen (page, model, 19 demo relations encoded, one sentence); cold: fresh browser profile, model over HTTP from localhost; warm: reload, model from the Cache API',
    cold: round(median(cold)),
    warm: round(median(warm)),
    coldRuns: cold.map((value) => round(value)),
    warmRuns: warm.map((value) => round(value)),
  },
  sentencesPerSecond: {
    pageThreaded: round(pageThreaded.sentencesPerSecond, 2),
    pageSingleThread: round(pageSingle.sentencesPerSecond, 2),
    node2Threads: round(node2.sentencesPerSecond, 2),
    node1Thread: round(node1.sentencesPerSecond, 2),
  },
  parity: {
    sentences: parityThreaded.sentences,
    top1AgreeThreaded: parityThreaded.top1Agree,
    top1AgreeSingleThread: paritySingle.top1Agree,
    maxProbabilityDiffThreaded: parityThreaded.maxProbabilityDiff,
    maxProbabilityDiffSingleThread: paritySingle.maxProbabilityDiff,
    sentencesWithin: parityThreaded.sentencesWithin,
    lowerRankSwaps: parityThreaded.disagreements.length,
    note: 'fp32 graphs agree to 4e-8 (test/web-browser.test.ts); int8 activations are rounded inside the graph, which turns last-bit float differences between native and WASM kernels into quantization steps',
  },
  labelIndexScan: { dim, k: 10, queries, page: pageScan, node: nodeScan },
};
writeFileSync(path.join(resultsDir, 'web.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
