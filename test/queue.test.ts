import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardRanges } from '../src/queue/index.js';
import { finish, runCli, startCli, tinyModel } from './triples-cli.js';
import { redisSuiteSkipped, startRedis, type RedisHandle } from './queue-redis.js';

const work = mkdtempSync(join(tmpdir(), 'zsre-queue-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('shardRanges', () => {
  it('cuts lines into contiguous near-equal shards covering every line once', () => {
    expect(shardRanges(10, 3)).toEqual([
      { from: 0, to: 3 },
      { from: 3, to: 6 },
      { from: 6, to: 10 },
    ]);
    expect(shardRanges(2, 5)).toEqual([
      { from: 0, to: 1 },
      { from: 1, to: 2 },
    ]);
    expect(shardRanges(0, 4)).toEqual([]);
  });
});

const suite = 'zsre queue (BullMQ on a real redis-server)';
describe.skipIf(redisSuiteSkipped(`test/queue.test.ts: ${suite}`))(suite, () => {
  let redis: RedisHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const relations = join(work, 'relations.json');
  writeFileSync(
    relations,
    JSON.stringify([
      { id: 'spouse', name: 'spouse', description: 'the head entity is married to the tail entity' },
      { id: 'born_in', name: 'place of birth', description: 'the head person was born in the tail place' },
    ]),
  );
  const lines: string[] = [];
  for (let index = 0; index < 48; index += 1) {
    if (index === 5) lines.push('{not json');
    else if (index === 9) lines.push('');
    else if (index === 20) lines.push(JSON.stringify({ id: `x${index}`, text: 'Ada was born in London.', head: 'Bob', tail: 'London' }));
    else lines.push(JSON.stringify({ id: `x${index}`, text: `Person ${index} was born in Town ${index}.`, head: `Person ${index}`, tail: `Town ${index}`, headId: `Q${index}` }));
  }
  const input = join(work, 'in.jsonl');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const expectedLines = lines.flatMap((line, index) => (line === '' ? [] : [index + 1]));
  const outputDir = join(work, 'shards');
  mkdirSync(outputDir);

  it('survives a worker SIGKILLed mid-job: every input line is in the merged output exactly once', async () => {
    const common = ['--redis', redis.url, '--queue', 'kill-test'];
    const submitted = await runCli(['queue', 'submit', ...common, '--input', input, '--shards', '6', '--relations', relations, '--model', tinyModel, '--threshold', '0'], { cwd: work });
    expect(submitted.code, submitted.stderr).toBe(0);
    const runId = submitted.stdout.trim();
    expect(runId).toMatch(/^run-[0-9a-f]{12}$/);
    expect(submitted.stderr).toMatch(/submitted 47 lines in 6 shards/);

    // Each worker holds a finished shard in its temporary file for 1.5 s before renaming it,
    // which gives the test a moment that is certainly mid-job to kill one.
    const env = { ZSRE_QUEUE_COMMIT_DELAY_MS: '1500', ZSRE_CACHE_DIR: join(work, 'cache') };
    const workArgs = ['queue', 'work', ...common, '--output-dir', outputDir, '--until-empty', '--lock-ms', '2000'];
    const victim = startCli(workArgs, { cwd: work, env });
    // The survivor runs its model in a pool of 2 worker threads: the queue and the pool together.
    const survivor = startCli([...workArgs, '--workers', '2'], { cwd: work, env });
    const victimDone = finish(victim);
    const survivorDone = finish(survivor);
    const victimTemp = (): string | undefined => readdirSync(outputDir).find((name) => name.includes(`.tmp-`) && name.includes(`-${victim.pid}-`));
    const deadline = Date.now() + 60_000;
    while (victimTemp() === undefined) {
      if (Date.now() > deadline) throw new Error('the victim worker never started writing a shard');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const killedShard = (victimTemp() as string).replace(/^\./, '').replace(/\.tmp-.*$/, '');
    victim.kill('SIGKILL');
    const killed = await victimDone;
    expect(killed.signal).toBe('SIGKILL');

    const survived = await survivorDone;
    expect(survived.code, survived.stderr).toBe(0);
    // The killed worker's shard was redone by the survivor; its half-done work is only a temporary file.
    expect(readdirSync(outputDir)).toContain(killedShard);
    expect(readdirSync(outputDir).filter((name) => name.includes('.tmp-') && name.includes(`-${victim.pid}-`))).toHaveLength(1);
    const killedIndex = Number(/\.shard-(\d+)\.jsonl$/.exec(killedShard)?.[1]);
    expect(survived.stderr).toContain(`shard ${killedIndex + 1}/6 of ${runId}: written`);

    const merged = join(work, 'merged.jsonl');
    const merge = await runCli(['queue', 'merge', '--output-dir', outputDir, '--input', input, '--output', merged], { cwd: work });
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stderr).toMatch(/merged 47 lines from 6 shards/);
    expect(merge.stderr).toMatch(/ignored 1 temporary files/);
    const records = readFileSync(merged, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; id?: string; result?: unknown; error?: { code: string } });
    expect(records.map((record) => record.line)).toEqual(expectedLines);
    expect(records.find((record) => record.line === 6)?.error?.code).toBe('JSONL_PARSE');
    expect(records.find((record) => record.line === 21)?.error?.code).toBe('ENTITY_NOT_FOUND');
    expect(records.filter((record) => record.result !== undefined)).toHaveLength(45);

    // The same merge as RDF: every result is a statement (threshold 0), ids come from the input lines.
    const mergedNt = join(work, 'merged.nt');
    const rdf = await runCli(['queue', 'merge', '--output-dir', outputDir, '--input', input, '--output', mergedNt, '--format', 'ntriples'], { cwd: work });
    expect(rdf.code, rdf.stderr).toBe(0);
    const ntriples = readFileSync(mergedNt, 'utf8');
    const quads = new Parser({ format: 'N-Triples' }).parse(ntriples);
    expect(quads.filter((entry) => entry.object.value.endsWith('#Statement'))).toHaveLength(45);
    expect(quads.some((entry) => entry.subject.value === 'http://www.wikidata.org/entity/Q3')).toBe(true);
    expect(ntriples.split('\n').filter((line) => line.startsWith('# zsre-line '))).toHaveLength(47);

    // Submitting the same run again queues nothing new: the shard files exist, workers skip them.
    const again = await runCli(['queue', 'submit', ...common, '--input', input, '--shards', '6', '--relations', relations, '--model', tinyModel, '--threshold', '0'], { cwd: work });
    expect(again.stdout.trim()).toBe(runId);
    const rerun = await runCli([...workArgs], { cwd: work, env: { ZSRE_CACHE_DIR: join(work, 'cache') } });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/0 shards written, 6 already written/);
  });

  it('merge refuses an incomplete run, naming the missing lines and what to do', async () => {
    const partial = join(work, 'partial');
    cpSync(outputDir, partial, { recursive: true });
    const shard = readdirSync(partial).find((name) => name.endsWith('.shard-00002.jsonl')) as string;
    rmSync(join(partial, shard));
    const merged = join(work, 'never.jsonl');
    const merge = await runCli(['queue', 'merge', '--output-dir', partial, '--input', input, '--output', merged], { cwd: work });
    expect(merge.code).toBe(1);
    expect(merge.stderr).toMatch(/8 input lines are not in the shards .* keep "zsre queue work" running/);
    expect(readdirSync(work)).not.toContain('never.jsonl');
  });

  it('numbers lines as extract does (BOM, lone CR, bad UTF-8) and runs document lines, shard by shard', async () => {
    const awkward = join(work, 'awkward.jsonl');
    writeFileSync(
      awkward,
      Buffer.concat([
        Buffer.from(`\uFEFF${JSON.stringify({ id: 'a', text: 'Ada met Bob.', head: 'Ada', tail: 'Bob' })}\n`),
        Buffer.from('{"id":"b",\r"text":"Ada met Bob.","head":"Ada","tail":"Bob"}\r\n'),
        Buffer.from('{"id":"c","text":"Ada met B'),
        Buffer.from([0xff]),
        Buffer.from('b.","head":"Ada","tail":"Bob"}\n\n'),
        Buffer.from(`${JSON.stringify({ id: 'd', text: 'Ada met Bob and Cy.', entities: ['Ada', 'Bob', 'Cy'] })}\n`),
      ]),
    );
    const common = ['--redis', redis.url, '--queue', 'awkward-test'];
    const shards = join(work, 'awkward-shards');
    mkdirSync(shards);
    const submitted = await runCli(['queue', 'submit', ...common, '--input', awkward, '--shards', '2', '--relations', relations, '--model', tinyModel, '--threshold', '0'], { cwd: work });
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stderr).toMatch(/submitted 4 lines in 2 shards/);
    const worked = await runCli(['queue', 'work', ...common, '--output-dir', shards, '--until-empty'], { cwd: work, env: { ZSRE_CACHE_DIR: join(work, 'cache') } });
    expect(worked.code, worked.stderr).toBe(0);
    const merged = join(work, 'awkward-merged.jsonl');
    const merge = await runCli(['queue', 'merge', '--output-dir', shards, '--input', awkward, '--output', merged], { cwd: work });
    expect(merge.code, merge.stderr).toBe(0);
    const direct = join(work, 'awkward-direct.jsonl');
    await runCli(['extract', '--input', awkward, '--output', direct, '--relations', relations, '--model', tinyModel, '--threshold', '0'], { cwd: work, env: { ZSRE_CACHE_DIR: join(work, 'cache') } });
    type Row = { line: number; id?: string; error?: { code: string }; result?: unknown; document?: { triples: unknown[] } };
    const summary = (path: string) =>
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Row)
        .map((row) => [row.line, row.id, row.error?.code ?? (row.document === undefined ? 'result' : `${row.document.triples.length} triples`)]);
    expect(summary(merged)).toEqual([
      [1, 'a', 'result'],
      [2, 'b', 'result'],
      [3, undefined, 'JSONL_ENCODING'],
      [5, 'd', '6 triples'],
    ]);
    expect(summary(direct)).toEqual(summary(merged));
  });

  it('says how to get Redis when none answers', async () => {
    const outcome = await runCli(['queue', 'status', '--redis', 'redis://127.0.0.1:1'], { cwd: work });
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toMatch(/cannot reach Redis .*apt-get install -y redis-server/);
  });
});
