/**
 * zsre/web in a real browser (issue 25): Debian's Chromium, headless, driven by playwright-core,
 * loads the playground from its own static server and
 *  - gives Node's answers on 200 FewRel sentences (top-1 on every sentence, probabilities to 1e-4),
 *  - is batch-invariant in the page,
 *  - answers a sentence typed and marked through the UI (screenshot in test-output/),
 *  - loads the model from the Cache API with the network to /models/ cut off (a second visit offline),
 *  - shows the library's message for a missing model and for an invalid relation.
 * Without Chromium the suite is skipped with a printed reason; ZSRE_REQUIRE_CHROMIUM=1 (.ci/run)
 * makes that a failure instead.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumHint, compareWithNode, findChromium, launchChromium, openPlayground, pageError, type PageGlobals, readParitySet, runInPage } from '../benchmarks/lib/webPage.js';
import { buildPlayground } from '../playground/build.js';
import { type PlaygroundServer, startPlaygroundServer } from '../playground/server.js';
import { createExtractor, type ExtractResult } from '../src/index.js';

const chromium = findChromium();
const required = process.env.ZSRE_REQUIRE_CHROMIUM === '1';
if (chromium === undefined && !required) console.warn(`web-browser: skipped: no Chromium found (${chromiumHint}); set ZSRE_REQUIRE_CHROMIUM=1 to make this a failure`);
const outputDir = path.resolve(import.meta.dirname, '..', 'test-output');

describe.skipIf(chromium === undefined && !required)('zsre/web in Chromium', () => {
  let server: PlaygroundServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const parity = readParitySet();
  let node: ExtractResult[];

  beforeAll(async () => {
    if (chromium === undefined) throw new Error(`ZSRE_REQUIRE_CHROMIUM=1 but no Chromium was found: ${chromiumHint}`);
    const nodeExtractor = await createExtractor({ relations: parity.relations, cacheDir: await mkdtemp(path.join(tmpdir(), 'zsre-web-')) });
    try {
      node = await nodeExtractor.extractBatch(parity.items.map(({ gold: _gold, ...item }) => item));
    } finally {
      await nodeExtractor.dispose();
    }
    await buildPlayground();
    server = await startPlaygroundServer();
    browser = await launchChromium(chromium);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await openPlayground(page, server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('answers the preloaded sentence with the demo relations', async () => {
    const verdict = await page.textContent('#verdict');
    expect(verdict).toContain('spouse (P26)');
    expect(await page.locator('#relations .relation').count()).toBe(19);
  });

  it("gives Node's answers on 200 FewRel sentences, batch-invariantly", async () => {
    const run = await runInPage(page, { relations: parity.relations, items: parity.items.map(({ gold: _gold, ...item }) => item), singles: 24 });
    const result = compareWithNode(node, run.results);
    console.log(
      `web-browser: ${result.top1Agree}/${result.sentences} top-1 equal to Node; largest probability difference ${result.maxProbabilityDiff.toExponential(2)}; ` +
        `${((parity.items.length / run.ms) * 1000).toFixed(1)} sentences/s in the page (${run.threads})`,
    );
    expect(result.disagreements).toEqual([]);
    expect(result.top1Agree).toBe(200);
    expect(result.maxProbabilityDiff).toBeLessThanOrEqual(1e-4);
    // The same sentence alone and inside a batch of 200 padded to other lengths: the same answer.
    run.singles.forEach((single, index) => {
      const batched = run.results[index] as ExtractResult;
      expect(single.relation?.id ?? null).toBe(batched.relation?.id ?? null);
      expect(single.reranked).toBe(batched.reranked);
      expect(single.candidates.map((c) => c.id)).toEqual(batched.candidates.map((c) => c.id));
      single.candidates.forEach((candidate, j) => expect(Math.abs(candidate.probability - (batched.candidates[j]?.probability ?? Number.NaN))).toBeLessThanOrEqual(1e-6));
    });
  });

  it('runs a typed-in sentence marked through the UI', async () => {
    await page.fill('#sentence', 'Frida Kahlo was born in Coyoacán, a village on the outskirts of Mexico City.');
    // Select "Frida Kahlo" in the box and mark it as head; click the word "Coyoacán" for the tail.
    await page.evaluate(() => {
      const box = (globalThis as unknown as { document: { getElementById(id: string): { setSelectionRange(a: number, b: number): void; focus(): void } } }).document.getElementById('sentence');
      box.focus();
      box.setSelectionRange(0, 11);
    });
    await page.click('#mark-head');
    await page.click('#preview span.word:text-is("Frida")'); // first click of a pair starts over at head
    await page.click('#preview span.word:text-is("Kahlo")', { modifiers: ['Shift'] }); // shift-click extends it
    await page.click('#preview span.word:text-is("Coyoacán")');
    expect(await page.textContent('#entities')).toContain('tail: "Coyoacán"');
    expect(await page.textContent('#entities')).toContain('head: "Frida Kahlo"');
    await page.click('#extract');
    await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string | null } | null } }).document.getElementById('verdict')?.textContent?.includes('place of birth') === true, null, { timeout: 60_000 });
    expect(await page.locator('#ranking tbody tr').count()).toBeGreaterThan(1);
    expect(await page.textContent('#results')).toContain('threshold');
    await mkdir(outputDir, { recursive: true });
    await page.screenshot({ path: path.join(outputDir, 'web-playground.png'), fullPage: false });
  });

  it('loads the model from the Cache API with the network to the model cut off', async () => {
    const offline = await context.newPage();
    let refused = 0;
    await offline.route('**/models/**', (route) => {
      refused += 1;
      return route.abort('internetdisconnected');
    });
    await openPlayground(offline, server.url);
    expect(refused).toBeGreaterThan(0); // the page did ask for manifest.json, and got no answer
    const downloaded = await offline.evaluate(() => (globalThis as unknown as PageGlobals).playground?.downloaded);
    expect(downloaded?.network).toBe(0);
    expect(downloaded?.cache).toBeGreaterThan(50e6);
    await offline.close();
  });

  it('shows the library message for a model that is not there, and for an invalid relation', async () => {
    const missing = await context.newPage();
    await missing.goto(`${server.url}?model=./models/no-such-model/`);
    await missing.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
    expect(await pageError(missing)).toMatch(/^MODEL_NOT_FOUND: Model manifest http:\/\/.*\/models\/no-such-model\/manifest\.json could not be fetched \(HTTP 404/);
    await missing.close();

    await page.fill('#relations .relation:nth-child(2) input.name', '');
    await page.click('#apply-relations');
    await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
    expect(await pageError(page)).toMatch(/^INVALID_INPUT: .*entry 1 \(0-based\).*name/);
  });
});
