import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { ExtractResult, Relation, TokenItem } from '../../src/index.js';

/**
 * What the browser test (test/web-browser.test.ts) and the web benchmark (benchmarks/web.ts)
 * share: finding Debian's Chromium, opening the playground, running items through the library
 * the page carries (window.zsre), and comparing the page's answers with Node's.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const parityFile = path.join(root, 'test', 'fixtures', 'web-parity', 'fewrel-200.json');
export const defaultModelPath = '/models/zsre-minilm-l6-general/';

export interface ParitySet {
  source: string;
  relations: Relation[];
  items: (TokenItem & { gold: string })[];
}

export function readParitySet(): ParitySet {
  return JSON.parse(readFileSync(parityFile, 'utf8')) as ParitySet;
}

/** The Chromium binary to drive: $ZSRE_CHROMIUM when set (and only it), else Debian's. undefined when there is none. */
export function findChromium(): string | undefined {
  const chosen = process.env.ZSRE_CHROMIUM;
  const candidates = chosen !== undefined && chosen !== '' ? [chosen] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const chromiumHint = 'On Debian/Ubuntu: apt-get install -y chromium (or point ZSRE_CHROMIUM at a Chromium binary)';

export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Opens the playground and waits until it has shown its first answer (or failed, which throws with the page's message). */
/**
 * The page's globals as the callbacks below see them (this file is compiled for Node, without
 * the DOM library, so they are typed here, narrowly).
 */
export interface PageGlobals {
  zsre: typeof import('../../src/web/index.js');
  playground?: { firstAnswerMs(): number | null; downloaded: { network: number; cache: number } };
  document: { getElementById(id: string): { hidden: boolean; textContent: string | null } | null };
  location: { href: string };
  crossOriginIsolated: boolean;
  performance: { now(): number };
}

/** The playground's error box text, or null while it is hidden. */
export function pageError(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const box = (globalThis as unknown as PageGlobals).document.getElementById('error');
    return box === null || box.hidden ? null : box.textContent;
  });
}

export async function openPlayground(page: Page, url: string, timeoutMs = 180_000): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const page = globalThis as unknown as PageGlobals;
      return (page.playground !== undefined && page.playground.firstAnswerMs() !== null) || page.document.getElementById('error')?.hidden === false;
    },
    null,
    { timeout: timeoutMs },
  );
  const error = await pageError(page);
  if (error !== null) throw new Error(`the playground failed to load: ${error}`);
}

export interface PageRun {
  results: ExtractResult[];
  /** wall time of extractBatch in the page. */
  ms: number;
  /** one-at-a-time results of the first `singles` items (batch invariance). */
  singles: ExtractResult[];
  threads: string;
}

/**
 * Creates an extractor in the page with these relations (model files from the Cache API the
 * playground filled), runs the items as one batch, then the first `singles` one at a time.
 */
export async function runInPage(page: Page, input: { relations: Relation[]; items: unknown[]; singles: number; model?: string; precision?: 'int8' | 'fp32' }): Promise<PageRun> {
  return page.evaluate(async ({ relations, items, singles, model, precision }) => {
    const page = globalThis as unknown as PageGlobals;
    const extractor = await page.zsre.createExtractor({ model, precision, relations, wasmPaths: new URL('./ort/', page.location.href).href });
    try {
      const started = page.performance.now();
      const results = await extractor.extractBatch(items as Parameters<typeof extractor.extractBatch>[0]);
      const ms = page.performance.now() - started;
      const one: typeof results = [];
      for (const item of (items as Parameters<typeof extractor.extractBatch>[0]).slice(0, singles)) one.push(await extractor.extract(item));
      return { results, ms, singles: one, threads: page.crossOriginIsolated ? 'cross-origin isolated (multi-threaded WASM)' : 'not isolated (one thread)' };
    } finally {
      await extractor.dispose();
    }
  }, { ...input, model: input.model ?? defaultModelPath, precision: input.precision ?? 'int8' });
}

export interface Parity {
  sentences: number;
  top1Agree: number;
  /** the largest |p_web - p_node| over every candidate of every sentence. */
  maxProbabilityDiff: number;
  /** how many sentences have every candidate's probability within 1e-4, 1e-3 and 1e-2 of Node's. */
  sentencesWithin: { '1e-4': number; '1e-3': number; '1e-2': number };
  /** sentences whose top-1 (or "no relation") or candidate list differs, with both answers. */
  disagreements: { index: number; node: string; web: string }[];
  /**
   * Sentences whose Node answer is clear: its best candidate leads the second by at least
   * CLEAR_MARGIN and its probability lies at least CLEAR_MARGIN from the threshold it was held to
   * (only with thresholds given). int8 graphs round activations to integers, so last-bit
   * differences between the native and WASM float kernels can flip a near tie; a clear answer
   * must never flip. clearAgree: how many of those the page answers the same.
   */
  clear: number;
  clearAgree: number;
}

/**
 * Every top-1 flip measured between the page and Node on int8 graphs (per-row and static) lay
 * within this of a tie or of the threshold; single probabilities differed by up to 0.15 (static).
 */
export const CLEAR_MARGIN = 0.1;

export function compareWithNode(
  node: readonly ExtractResult[],
  web: readonly ExtractResult[],
  thresholds?: { fused: number; biOnly: number },
): Parity {
  let top1Agree = 0;
  let clear = 0;
  let clearAgree = 0;
  let maxProbabilityDiff = 0;
  const sentencesWithin = { '1e-4': 0, '1e-3': 0, '1e-2': 0 };
  const disagreements: Parity['disagreements'] = [];
  node.forEach((expected, index) => {
    const actual = web[index];
    const label = (result: ExtractResult | undefined): string =>
      result === undefined ? '(missing)' : `${result.relation?.id ?? 'none'} [${result.candidates.map((candidate) => candidate.id).join(' ')}]`;
    const sameCandidates = actual !== undefined && actual.candidates.map((c) => c.id).join() === expected.candidates.map((c) => c.id).join();
    const agrees = actual !== undefined && (actual.relation?.id ?? null) === (expected.relation?.id ?? null) && actual.candidates[0]?.id === expected.candidates[0]?.id;
    if (agrees) top1Agree += 1;
    const [first, second] = expected.candidates;
    const lead = (first?.probability ?? 0) - (second?.probability ?? 0);
    const threshold = thresholds === undefined ? null : expected.reranked ? thresholds.fused : thresholds.biOnly;
    if (lead >= CLEAR_MARGIN && (threshold === null || Math.abs((first?.probability ?? 0) - threshold) >= CLEAR_MARGIN)) {
      clear += 1;
      if (agrees) clearAgree += 1;
    }
    if (!sameCandidates || (actual.relation?.id ?? null) !== (expected.relation?.id ?? null)) disagreements.push({ index, node: label(expected), web: label(actual) });
    let sentenceDiff = 0;
    for (const candidate of expected.candidates) {
      const other = actual?.candidates.find((c) => c.id === candidate.id);
      if (other !== undefined) sentenceDiff = Math.max(sentenceDiff, Math.abs(other.probability - candidate.probability));
    }
    maxProbabilityDiff = Math.max(maxProbabilityDiff, sentenceDiff);
    for (const bound of ['1e-4', '1e-3', '1e-2'] as const) if (sentenceDiff <= Number(bound)) sentencesWithin[bound] += 1;
  });
  return { sentences: node.length, top1Agree, maxProbabilityDiff, sentencesWithin, disagreements, clear, clearAgree };
}
