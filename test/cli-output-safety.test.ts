import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputWriteError } from '../src/cli/outputErrors.js';
import { ZsreError } from '../src/errors.js';
import { cliWorkspace, deadPid, finish, relationsJson, root, tinyModel, tsxLoader } from './helpers/cliProcess.js';

/** Issue 20: zsre extract never destroys a file it did not write, never writes a line twice, and says why it stops. */
const { work, start, zsre, file, remove } = cliWorkspace('zsre-output-safety-');
afterAll(remove);

const relations = file('relations.json', relationsJson);
const items = (count: number) =>
  Array.from({ length: count }, (_, index) => `${JSON.stringify({ id: `i${index + 1}`, text: `Ada ${index} met Bob in Paris.`, head: 'Ada', tail: 'Bob' })}\n`).join('');
const input = file('in.jsonl', items(6));
const extract = (output: string, ...extra: string[]) => zsre('extract', '--relations', relations, '--input', input, '--output', output, '--model', tinyModel, ...extra);

function lineCounts(path: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const text of readFileSync(path, 'utf8').split('\n').filter((line) => line !== '')) {
    const { line } = JSON.parse(text) as { line: number };
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

describe('an existing file zsre did not write', () => {
  it.each([
    ['JSONL of your own', 'mine.jsonl', '{"note":"precious"}\n'],
    ['a CSV', 'mine.csv', 'a,b\n1,2\n'],
    ['plain text', 'notes.txt', 'remember the milk\n'],
    ['text without a final newline', 'notes2.txt', 'remember'],
    ['records followed by something else', 'mixed.jsonl', '{"line":1,"result":{"relation":null}}\n{"note":"precious"}\n'],
  ])('is refused untouched as --output: %s', async (_label, name, content) => {
    const path = file(name, content);
    const outcome = await extract(path);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('OUTPUT_CONFLICT');
    expect(outcome.stderr).toContain('not written by zsre extract');
    expect(outcome.stderr).toContain('--overwrite');
    expect(outcome.stderr).not.toContain('cut');
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('is replaced with --overwrite', async () => {
    const path = file('replace-me.jsonl', '{"note":"precious"}\n');
    const outcome = await extract(path, '--overwrite');
    expect(outcome.code).toBe(0);
    expect([...lineCounts(path).keys()]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('one run per output', () => {
  it('two runs started together: one writes every line once, the other is refused naming the lock', async () => {
    const many = file('many.jsonl', items(300));
    const output = join(work, 'together.jsonl');
    const args = ['extract', '--relations', relations, '--input', many, '--output', output, '--model', tinyModel, '--batch-size', '4'];
    const [first, second] = await Promise.all([finish(start('src/cli/main.ts', args)), finish(start('src/cli/main.ts', args))]);
    const codes = [first.code, second.code].sort();
    expect(codes).toEqual([0, 2]);
    const refused = first.code === 2 ? first : second;
    expect(refused.stderr).toContain('OUTPUT_LOCKED');
    expect(refused.stderr).toMatch(/is being written by another zsre run \(pid \d+/);
    const counts = lineCounts(output);
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    // The lock goes with the run that held it.
    expect(existsSync(join(work, '.together.jsonl.zsre-lock'))).toBe(false);
  });

  it('takes over the lock of a run that died, and refuses one held by a live process', async () => {
    const output = join(work, 'stale.jsonl');
    const lock = join(work, '.stale.jsonl.zsre-lock');
    writeFileSync(lock, JSON.stringify({ pid: await deadPid(), host: hostname() }));
    const taken = await extract(output);
    expect(taken.code).toBe(0);
    expect(lineCounts(output).size).toBe(6);
    expect(existsSync(lock)).toBe(false);

    const live = join(work, 'live.jsonl');
    writeFileSync(join(work, '.live.jsonl.zsre-lock'), JSON.stringify({ pid: process.pid, host: hostname() }));
    const refused = await extract(live);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`pid ${process.pid}`);
    expect(existsSync(live)).toBe(false);
  });

  it('refuses to resume an output that holds a line twice, and leaves it as it is', async () => {
    const record = (line: number) => `${JSON.stringify({ line, id: `i${line}`, result: { relation: null } })}\n`;
    const content = record(1) + record(2) + record(1);
    const twice = file('twice.jsonl', content);
    const outcome = await extract(twice);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('OUTPUT_CONFLICT');
    expect(outcome.stderr).toMatch(/input line 1 twice/);
    expect(readFileSync(twice, 'utf8')).toBe(content);

    const marker = (line: number) => `# zsre-line {"line":${line},"id":"i${line}"}\n`;
    const header = '# zsre extract output (N-Triples). A "# zsre-line" comment follows the triples of each input line; rerun to resume.\n';
    const nt = file('twice.nt', header + marker(1) + marker(1));
    const ntOutcome = await extract(nt, '--format', 'ntriples');
    expect(ntOutcome.code).toBe(2);
    expect(ntOutcome.stderr).toMatch(/line markers for input line 1 twice/);
  });
});

describe('temporary files of killed csv and turtle runs', () => {
  it.each(['csv', 'turtle'])('are removed by the next run on the same output (%s)', async (format) => {
    const many = file(`kill-${format}.jsonl`, items(3000));
    const name = `killed.${format}`;
    const args = ['extract', '--relations', relations, '--input', many, '--output', join(work, name), '--model', tinyModel, '--batch-size', '4', '--format', format];
    const partials = () => readdirSync(work).filter((entry) => entry.startsWith(`.${name}.partial-`));
    const child = start('src/cli/main.ts', args);
    const done = finish(child);
    let exited = false;
    void done.then(() => (exited = true));
    // turtle holds its triples in memory until the end, so the file's existence is what shows the run is writing.
    while (!exited && partials().length === 0) await new Promise((wake) => setTimeout(wake, 10));
    expect(exited).toBe(false);
    child.kill('SIGKILL');
    await done;
    expect(partials()).toHaveLength(1);
    // One more, as an older kill would have left it.
    writeFileSync(join(work, `.${name}.partial-${await deadPid()}`), 'old');

    const small = await zsre('extract', '--relations', relations, '--input', input, '--output', join(work, name), '--model', tinyModel, '--format', format);
    expect(small.code).toBe(0);
    expect(small.stderr).toContain('removed 2 temporary file(s)');
    expect(partials()).toEqual([]);
    expect(statSync(join(work, name)).size).toBeGreaterThan(0);
  });
});

describe('output that cannot be written', () => {
  it('a directory as --output is a usage error (exit 2) that says so', async () => {
    const folder = join(work, 'a-folder');
    mkdirSync(folder);
    const outcome = await extract(folder);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain(`--output ${folder} is a directory: name a file`);
    expect(outcome.stderr).not.toContain('unexpected error');
  });

  it('a write failing with ENOSPC becomes OUTPUT_WRITE, saying the disk is full and to rerun', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
    const mapped = outputWriteError(enospc, 'out.jsonl', true);
    expect(mapped).toBeInstanceOf(ZsreError);
    expect((mapped as ZsreError).code).toBe('OUTPUT_WRITE');
    expect((mapped as ZsreError).message).toContain('the disk holding out.jsonl is full: free some space, then rerun the same command');
    expect((mapped as ZsreError).cause).toBe(enospc);
    // Errors that are already zsre's pass through unchanged.
    const own = new ZsreError('MODEL_RUNTIME', 'x');
    expect(outputWriteError(own, 'out.jsonl', true)).toBe(own);
  });

  // A real full disk: a 64 KiB tmpfs mounted in a private user and mount namespace (no root
  // needed where unprivileged user namespaces are allowed, as on this project's machines).
  // Where user namespaces are off, the ENOSPC mapping is still covered by the test above; the skip
  // is announced, and ZSRE_REQUIRE_TMPFS=1 makes it a failure (as ZSRE_REQUIRE_REDIS for the queue).
  const canMount = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt']).status === 0;
  if (!canMount && process.env.ZSRE_REQUIRE_TMPFS !== '1') {
    console.warn('test/cli-output-safety.test.ts: full-disk test skipped: "unshare -rm" cannot mount a tmpfs here; set ZSRE_REQUIRE_TMPFS=1 to make this a failure');
  }
  it.runIf(canMount || process.env.ZSRE_REQUIRE_TMPFS === '1')('a full disk exits 4 with OUTPUT_WRITE; after freeing space the rerun completes every line once', () => {
    const many = file('full.jsonl', items(400));
    const mount = join(work, 'small-disk');
    mkdirSync(mount);
    const copy = join(work, 'full-out.jsonl');
    const run = `"${process.execPath}" --import ${tsxLoader} ${join(root, 'src/cli/main.ts')} extract --relations ${relations} --input ${many} --output ${mount}/out.jsonl --model ${tinyModel} --batch-size 8`;
    const script = [
      `mount -t tmpfs -o size=64k tmpfs ${mount}`,
      `${run} 2> ${work}/full-1.err; echo $? > ${work}/full-1.code`,
      `mount -o remount,size=16m ${mount}`,
      `${run} 2> ${work}/full-2.err; echo $? > ${work}/full-2.code`,
      `cp ${mount}/out.jsonl ${copy}`,
    ].join('\n');
    const result = spawnSync('unshare', ['-rm', 'sh', '-c', script], { cwd: work, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(readFileSync(join(work, 'full-1.code'), 'utf8').trim()).toBe('4');
    const firstErr = readFileSync(join(work, 'full-1.err'), 'utf8');
    expect(firstErr).toContain('[OUTPUT_WRITE] Cannot write the output: the disk holding');
    expect(firstErr).toContain('is full: free some space, then rerun the same command');
    expect(firstErr).not.toContain('unexpected error');
    expect(readFileSync(join(work, 'full-2.code'), 'utf8').trim()).toBe('0');
    const counts = lineCounts(copy);
    expect(counts.size).toBe(400);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
  });
});
