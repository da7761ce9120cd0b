/**
 * zsre/web in a real browser (issue 25): Debian's Chromium, headless, driven by playwright-core,
 * loads the playground from its own static server and
 *  - gives Node's answers on 200 FewRel sentences: with fp32 graphs (the tiny fixture model) every
 *    probability to 1e-4 (measured: 4e-8), so the page runs the same pipeline; with the shipped
 *    int8 model the same top-1 and "no relation" decision on every clear sentence and nearly all of
 *    the rest (static int8 graphs: 198/200 top-1 equal, probabilities up to ~0.02 apart; printed,
 *    and benchmarks/results/web.json records it): int8 activations are
 *    rounded to integers inside the graph, so the last-bit float differences between native and
 *    WASM kernels (erf, softmax, layer norm, fp32 matmul) flip single quantization steps. The same
 *    flips appear between onnxruntime-node's own optimisation levels ('all' vs 'basic': up to
 *    0.009 per vector component), so no runtime setting of the page can remove them.
 *  - is batch-invariant in the page,
 *  - answers a sentence typed and marked through the UI (screenshot in test-output/),
 *  - loads the model from the Cache API with the network to /models/ cut off (a second visit offline),
 *  - shows the library's message for a missing model and for an invalid relation.
 * Without Chromium the suite is skipped with a printed reason; ZSRE_REQUIRE_CHROMIUM=1 (.ci/run)
 * makes that a failure instead.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { defaultModelDirectory } from '../src/model/defaultModel.js';
import { chromiumHint, compareWithNode, findChromium, launchChromium, openPlayground, pageError, type PageGlobals, readParitySet, runInPage } from '../benchmarks/lib/webPage.js';
import { buildPlayground } from '../playground/build.js';
import { type PlaygroundServer, startPlaygroundServer } from '../playground/server.js';
import { demoExampleItem, demoExampleRelation, demoRelationIds } from '../src/cli/demo.js';
import { createExtractor, type Extractor, type ExtractResult, loadRelations, type Triple } from '../src/index.js';
import { fixtureDir } from './helpers/modelDir.js';

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
  let nodeFp32: ExtractResult[];
  let shippedThresholds: { fused: number; biOnly: number };
  const items = parity.items.map(({ gold: _gold, ...item }) => item);

  beforeAll(async () => {
    if (chromium === undefined) throw new Error(`ZSRE_REQUIRE_CHROMIUM=1 but no Chromium was found: ${chromiumHint}`);
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'zsre-web-'));
    const inNode = async (options: { model?: string; precision?: 'fp32' }): Promise<ExtractResult[]> => {
      const extractor = await createExtractor({ relations: parity.relations, cacheDir, ...options });
      try {
        return await extractor.extractBatch(items);
      } finally {
        await extractor.dispose();
      }
    };
    node = await inNode({});
    const shipped = await loadModelDirectory(defaultModelDirectory(), 'int8', { crossEncoder: true });
    shippedThresholds = { fused: shipped.manifest.fusion.threshold, biOnly: shipped.manifest.fusion.biOnly.threshold };
    nodeFp32 = await inNode({ model: fixtureDir, precision: 'fp32' });
    await buildPlayground();
    server = await startPlaygroundServer({ fixtures: true });
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
    // Answered by the bi-encoder alone (the adaptive gate), so held to the bi-only threshold.
    const manifest = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '..', 'models', 'zsre-minilm-l6-general', 'manifest.json'), 'utf8')) as { fusion: { biOnly: { threshold: number } } };
    expect(await page.textContent('#results')).toContain(`"No relation" threshold: ${manifest.fusion.biOnly.threshold.toFixed(3)}`);
    expect(await page.textContent('#results')).toContain('Bi-encoder only');
    expect(await page.locator('#relations .relation').count()).toBe(19);
  });

  it("gives Node's probabilities to 1e-4 with fp32 graphs on 200 FewRel sentences", async () => {
    const run = await runInPage(page, { relations: parity.relations, items, singles: 0, model: '/fixtures/tiny-model/', precision: 'fp32' });
    const result = compareWithNode(nodeFp32, run.results);
    console.log(`web-browser: fp32 (tiny fixture model): ${result.top1Agree}/${result.sentences} top-1 equal to Node; largest probability difference ${result.maxProbabilityDiff.toExponential(2)}`);
    expect(result.disagreements).toEqual([]);
    expect(result.maxProbabilityDiff).toBeLessThanOrEqual(1e-4);
  });

  it("gives Node's top-1 on 200 FewRel sentences with the shipped int8 model, batch-invariantly", async () => {
    const run = await runInPage(page, { relations: parity.relations, items, singles: 24 });
    const result = compareWithNode(node, run.results, shippedThresholds);
    console.log(
      `web-browser: int8 (shipped model): ${result.top1Agree}/${result.sentences} top-1 equal to Node (clear answers: ${result.clearAgree}/${result.clear}; differing: ${JSON.stringify(result.disagreements)}); largest probability difference ${result.maxProbabilityDiff.toExponential(2)} ` +
        `(sentences within 1e-4 / 1e-3 / 1e-2: ${result.sentencesWithin['1e-4']} / ${result.sentencesWithin['1e-3']} / ${result.sentencesWithin['1e-2']}); ` +
        `${((parity.items.length / run.ms) * 1000).toFixed(1)} sentences/s in the page (${run.threads})`,
    );
    // Top-1 and the "no relation" decision on every clear sentence (webPage.ts CLEAR_MARGIN: a near
    // tie, or a probability next to the threshold, may flip under int8 rounding of last-bit float
    // differences between the kernels; see the header), and on nearly all of the rest.
    expect(result.clear).toBeGreaterThanOrEqual(150);
    expect(result.clearAgree).toBe(result.clear);
    expect(result.top1Agree).toBeGreaterThanOrEqual(196);
    // The same sentence alone and inside a batch of 200 padded to other lengths: the same answer.
    run.singles.forEach((single, index) => {
      const batched = run.results[index] as ExtractResult;
      expect(single.relation?.id ?? null).toBe(batched.relation?.id ?? null);
      expect(single.reranked).toBe(batched.reranked);
      expect(single.candidates.map((c) => c.id)).toEqual(batched.candidates.map((c) => c.id));
      single.candidates.forEach((candidate, j) => expect(Math.abs(candidate.probability - (batched.candidates[j]?.probability ?? Number.NaN))).toBeLessThanOrEqual(1e-6));
    });
  });

  it("answers like Node for a relation taught by examples and for extractAll (the playground's demo relations)", async () => {
    const wanted = new Set(demoRelationIds);
    const relations = [...(await loadRelations('wikidata')).filter((relation) => wanted.has(relation.id)), demoExampleRelation];
    const paragraph = {
      text: 'Marie Curie married Pierre Curie in 1895. Their daughter Irène Joliot-Curie was born in Paris.',
      entities: ['Marie Curie', 'Pierre Curie', 'Irène Joliot-Curie', 'Paris'],
    };
    const extractor = await createExtractor({ relations, cacheDir: await mkdtemp(path.join(tmpdir(), 'zsre-web-')) });
    const nodeExample = await extractor.extract(demoExampleItem);
    const nodeTriples = await extractor.extractAll(paragraph);
    await extractor.dispose();
    const web = await page.evaluate(
      async ({ item, input }) => {
        const state = (globalThis as unknown as { playground: { extractor(): Extractor | null } }).playground;
        const loaded = state.extractor();
        if (loaded === null) throw new Error('the playground has no extractor');
        return { example: await loaded.extract(item), triples: await loaded.extractAll(input) };
      },
      { item: demoExampleItem, input: paragraph },
    );
    expect(nodeExample.relation?.id).toBe('rival');
    expect(web.example.relation?.id).toBe('rival');
    expect(web.example.candidates.map((c) => c.id)).toEqual(nodeExample.candidates.map((c) => c.id));
    const triple = (t: Triple): string => `${t.head.text} -${t.relation.id}-> ${t.tail.text}`;
    expect(nodeTriples.length).toBeGreaterThan(0);
    expect(web.triples.map(triple)).toEqual(nodeTriples.map(triple));
  });

  it('runs a typed-in sentence marked through the UI', async () => {
    await page.fill('#sentence', 'Frida Kahlo was born in Coyoacán, a village on the outskirts of Mexico City.');
    // Typing dropped the old marks. Click "Frida", shift-click "Kahlo" (extends the head), click "Coyoacán" (the tail).
    await page.click('#preview span.word:text-is("Frida")');
    await page.click('#preview span.word:text-is("Kahlo")', { modifiers: ['Shift'] });
    await page.click('#preview span.word:text-is("Coyoacán")');
    expect(await page.textContent('#entities')).toBe('head: "Frida Kahlo" [0, 11)   tail: "Coyoacán" [24, 32)');
    // Selecting text in the box and pressing a button marks too: "Mexico City" as the tail.
    await page.evaluate(() => {
      const box = (globalThis as unknown as { document: { getElementById(id: string): { setSelectionRange(a: number, b: number): void; focus(): void } } }).document.getElementById('sentence');
      box.focus();
      box.setSelectionRange(64, 75);
    });
    await page.click('#mark-tail');
    expect(await page.textContent('#entities')).toBe('head: "Frida Kahlo" [0, 11)   tail: "Mexico City" [64, 75)');
    await page.click('#preview span.word:text-is("Coyoacán")'); // head is set and the last mark was the tail: starts a new pair
    await page.click('#preview span.word:text-is("Frida")');
    await page.click('#preview span.word:text-is("Kahlo")', { modifiers: ['Shift'] });
    expect(await page.textContent('#entities')).toBe('head: "Coyoacán" [24, 32)   tail: "Frida Kahlo" [0, 11)');
    // Back to the pair of the sentence: Frida Kahlo born in Coyoacán.
    await page.click('#preview span.word:text-is("Frida")');
    await page.click('#preview span.word:text-is("Kahlo")', { modifiers: ['Shift'] });
    await page.click('#preview span.word:text-is("Coyoacán")');
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
