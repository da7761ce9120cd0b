import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createExtractor, isZsreError, type ExtractItem, type Relation } from '../src/index.js';
import { createWorkerPool } from '../src/workers/index.js';
import { runCli, tinyModel } from './triples-cli.js';

const work = mkdtempSync(join(tmpdir(), 'zsre-workers-'));
const cacheDir = join(work, 'cache');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const relations: Relation[] = [
  { id: 'spouse', name: 'spouse', description: 'the head entity is married to the tail entity' },
  { id: 'born_in', name: 'place of birth', description: 'the head person was born in the tail place' },
  { id: 'employer', name: 'employer', description: 'the head person works for the tail organisation' },
];
const options = { relations, model: tinyModel, cacheDir, precision: 'fp32' as const, batchSize: 4 };
const items: ExtractItem[] = Array.from({ length: 37 }, (_, index) => ({
  id: `i${index}`,
  text: `Person ${index} was born in City ${index} and works for Firm ${index % 5}.`,
  head: `Person ${index}`,
  tail: index % 2 === 0 ? `City ${index}` : `Firm ${index % 5}`,
}));

describe('createWorkerPool', () => {
  it('gives the same results as one extractor, in input order', async () => {
    const single = await createExtractor(options);
    const expected = await single.extractBatch(items);
    await single.dispose();
    const pool = await createWorkerPool({ ...options, workers: 2 });
    try {
      expect(pool.size).toBe(2);
      const progress: number[] = [];
      const results = await pool.extractBatch(items, { onProgress: (done) => progress.push(done) });
      expect(results.map((result) => result.id)).toEqual(items.map((item) => item.id));
      // fp32: batch composition does not change the numbers, so they match exactly.
      expect(results).toEqual(expected);
      expect(progress.at(-1)).toBe(items.length);
    } finally {
      await pool.dispose();
    }
  });

  it('re-queues the batch of a worker killed mid-task, so every item gets exactly one result', async () => {
    const killed: number[] = [];
    const pool = await createWorkerPool({
      ...options,
      workers: 2,
      taskSize: 5,
      onTaskStart: (event) => {
        // Kill the worker running the 3rd task, the first time only.
        if (event.taskId === 3 && event.attempt === 0) {
          killed.push(event.slot);
          event.terminate();
        }
      },
    });
    try {
      const results = await pool.extractBatch(items);
      expect(killed).toHaveLength(1);
      expect(pool.restarts).toBe(1);
      // The replacement loads its model in the background; the batch may finish on the other worker first.
      await vi.waitFor(() => expect(pool.size).toBe(2), { timeout: 60_000, interval: 100 });
      expect(results.map((result) => result.id)).toEqual(items.map((item) => item.id));
      // And the pool keeps working afterwards.
      expect(await pool.extractBatch(items.slice(0, 3))).toHaveLength(3);
    } finally {
      await pool.dispose();
    }
  });

  it('fails a batch whose task keeps killing workers instead of looping', async () => {
    const pool = await createWorkerPool({ ...options, workers: 1, maxAttempts: 2, onTaskStart: (event) => event.terminate() });
    try {
      await expect(pool.extractBatch(items.slice(0, 2))).rejects.toThrow(/died 2 times running the same 2 items/);
    } finally {
      await pool.dispose();
    }
  });

  it('passes item errors back as ZsreError with their code', async () => {
    const pool = await createWorkerPool({ ...options, workers: 1 });
    try {
      const error: unknown = await pool.extract({ text: 'Ada was born in London.', head: 'Bob', tail: 'London' }).catch((caught: unknown) => caught);
      expect(isZsreError(error) && error.code).toBe('ENTITY_NOT_FOUND');
      // Options are checked as in one process; stage timings are not measured across workers.
      const item = { text: 'Ada was born in London.', head: 'Ada', tail: 'London' };
      const timings: unknown = await pool.extractBatch([item], { timings: {} }).catch((caught: unknown) => caught);
      expect(isZsreError(timings) && timings.message).toContain('worker pool extractBatch options: unknown option "timings"');
      // @ts-expect-error a typo a JavaScript caller can make
      const typo: unknown = await pool.extractBatch([item], { onProgres: () => {} }).catch((caught: unknown) => caught);
      expect(isZsreError(typo) && typo.code).toBe('INVALID_INPUT');
    } finally {
      await pool.dispose();
    }
  });

  it('rejects creation with the load error of a bad model directory', async () => {
    const error: unknown = await createWorkerPool({ ...options, model: join(work, 'missing-model'), workers: 2 }).catch((caught: unknown) => caught);
    expect(isZsreError(error) && error.code).toBe('MODEL_NOT_FOUND');
  });
});

describe('zsre extract --workers', () => {
  it('writes the same output with 2 workers as with none', async () => {
    const input = join(work, 'in.jsonl');
    writeFileSync(input, `${items.map((item) => JSON.stringify(item)).join('\n')}\n`);
    const relationsFile = join(work, 'relations.json');
    writeFileSync(relationsFile, JSON.stringify(relations));
    const args = ['extract', '--relations', relationsFile, '--input', input, '--model', tinyModel, '--batch-size', '8'];
    const env = { ZSRE_CACHE_DIR: cacheDir };
    const single = await runCli([...args, '--output', join(work, 'single.jsonl')], { cwd: work, env });
    expect(single.code, single.stderr).toBe(0);
    const pooled = await runCli([...args, '--output', join(work, 'pooled.jsonl'), '--workers', '2'], { cwd: work, env });
    expect(pooled.code, pooled.stderr).toBe(0);
    const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { line: number; result: { relation: { id: string } | null } });
    const a = lines(join(work, 'single.jsonl'));
    const b = lines(join(work, 'pooled.jsonl'));
    expect(b.map((record) => record.line)).toEqual(a.map((record) => record.line));
    expect(b).toHaveLength(items.length);
    const usage = await runCli([...args, '--output', join(work, 'x.jsonl'), '--workers', '0'], { cwd: work, env });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--workers must be a positive integer/);
  });
});
