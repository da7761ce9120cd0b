import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractor, ZsreError, type Extractor, type LabelIndexProgress, type Relation, type StageTimings } from '../src/index.js';
import { cliWorkspace, relationsJson, tinyModel } from './helpers/cliProcess.js';

/** Issue 20, case 7: extractBatch/extractAll honour an AbortSignal; label-index builds report progress. */
const cacheDir = mkdtempSync(join(tmpdir(), 'zsre-abort-progress-'));
const relations: Relation[] = Array.from({ length: 40 }, (_, index) => ({ id: `R${index}`, name: `relation number ${index}`, description: `the head and the tail share property ${index}` }));
const items = Array.from({ length: 12 }, (_, index) => ({ text: `Ada ${index} met Bob in Paris.`, head: 'Ada', tail: 'Bob' }));
let extractor: Extractor;
const progress: LabelIndexProgress[] = [];
beforeAll(async () => {
  extractor = await createExtractor({ relations, model: tinyModel, cacheDir, batchSize: 2, index: 'hnsw', onProgress: (event) => progress.push(event) });
});
const cli = cliWorkspace('zsre-index-progress-');
afterAll(async () => {
  await extractor?.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
  cli.remove();
});

async function rejection(promise: Promise<unknown>): Promise<ZsreError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(ZsreError);
  return error as ZsreError;
}

describe('AbortSignal', () => {
  it('an aborted signal rejects extractBatch and extractAll before any work, with ABORTED and the reason as cause', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user pressed stop'));
    const error = await rejection(extractor.extractBatch(items, { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect((error.cause as Error).message).toBe('user pressed stop');
    const all = await rejection(extractor.extractAll({ text: 'Ada met Bob in Paris.', entities: ['Ada', 'Bob', 'Paris'] }, { signal: controller.signal }));
    expect(all.code).toBe('ABORTED');
  });

  it('aborting during a call stops it between batches', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await rejection(
      extractor.extractBatch(items, {
        signal: controller.signal,
        onProgress: (done) => {
          seen.push(done);
          if (done >= 4) controller.abort();
        },
      }),
    );
    expect(error.code).toBe('ABORTED');
    // batchSize 2: the batch that crossed 4 finished, none after it started.
    expect(seen).toEqual([2, 4]);
  });

  it('a signal that never fires changes nothing', async () => {
    const plain = await extractor.extractBatch(items);
    const withSignal = await extractor.extractBatch(items, { signal: new AbortController().signal });
    expect(withSignal).toEqual(plain);
  });
});

describe('stage timings (issue 23)', () => {
  it('extractBatch adds milliseconds per pipeline stage to the timings object and answers as without it', async () => {
    const timings: StageTimings = {};
    const timed = await extractor.extractBatch(items, { timings });
    expect(timed).toEqual(await extractor.extractBatch(items));
    for (const stage of ['prepare', 'biEncoder', 'search', 'pairs', 'crossEncoder', 'rank'] as const) {
      expect(timings[stage], stage).toBeGreaterThanOrEqual(0);
    }
    expect((timings.biEncoder ?? 0) + (timings.crossEncoder ?? 0)).toBeGreaterThan(0);
    const before = timings.biEncoder ?? 0;
    await extractor.extractBatch(items.slice(0, 2), { timings });
    expect(timings.biEncoder).toBeGreaterThan(before); // added, not replaced
  });
});

describe('label-index build progress', () => {
  it('createExtractor reports encoding and HNSW stages up to the number of relations, and nothing when the index is cached', async () => {
    const stages = [...new Set(progress.map((event) => event.stage))];
    expect(stages).toEqual(['encode', 'hnsw']);
    for (const stage of stages) {
      const events = progress.filter((event) => event.stage === stage);
      expect(events.every((event) => event.total === relations.length)).toBe(true);
      expect(events.at(-1)?.done).toBe(relations.length);
      expect(events.map((event) => event.done)).toEqual([...events.map((event) => event.done)].sort((a, b) => a - b));
    }
    const again: LabelIndexProgress[] = [];
    const cached = await createExtractor({ relations, model: tinyModel, cacheDir, index: 'hnsw', onProgress: (event) => again.push(event) });
    await cached.dispose();
    expect(again).toEqual([]);
  });

  it('an onProgress that is not a function is refused naming the option', async () => {
    const error = await rejection(createExtractor({ relations, model: tinyModel, cacheDir, onProgress: 'yes' as unknown as () => void }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('"onProgress"');
  });

  it('zsre index shows the build on stderr', async () => {
    const file = cli.file('relations.json', relationsJson);
    const outcome = await cli.zsre('index', '--model', tinyModel, '--relations', file, '--cache-dir', join(cli.work, 'index-cache'), '--index', 'hnsw');
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toMatch(/label index: encoding relation descriptions 3\/3 \(100\.0%\)/);
    expect(outcome.stderr).toMatch(/label index: building the HNSW graph 3\/3 \(100\.0%\)/);
  });
});
