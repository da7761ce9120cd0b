import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { positiveInteger, probability, UsageError } from '../src/cli/args.js';
import { readJsonl } from '../src/batch/jsonl.js';
import { createProgress, formatDuration } from '../src/cli/progress.js';
import { prepareLine } from '../src/batch/records.js';
import { prepareResume } from '../src/batch/resume.js';

const folder = mkdtempSync(join(tmpdir(), 'zsre-cli-units-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const record = (line: number, id?: string) => JSON.stringify({ line, ...(id === undefined ? {} : { id }), result: { relation: null } });

describe('prepareResume', () => {
  it('returns an empty state when the output does not exist', async () => {
    const state = await prepareResume(join(folder, 'missing.jsonl'));
    expect(state.done.size).toBe(0);
    expect(state.removedBytes).toBe(0);
  });

  it('keeps complete records and cuts a partial last line away', async () => {
    const path = join(folder, 'partial.jsonl');
    const complete = `${record(1, 'a')}\n${JSON.stringify({ line: 2, error: { code: 'JSONL_PARSE', message: 'x' } })}\n${record(3)}\n`;
    writeFileSync(path, `${complete}{"line": 4, "result": {"rel`);
    const state = await prepareResume(path);
    expect([...state.done.keys()]).toEqual([1, 2, 3]);
    expect(state.done.get(1)).toBe('a');
    expect(state.done.get(3)).toBeUndefined();
    expect(state.errorLines).toBe(1);
    expect(state.keptBytes).toBe(Buffer.byteLength(complete));
    expect(readFileSync(path, 'utf8')).toBe(complete);
  });

  it('refuses, untouched, a file with a line that is not a record: zsre did not write it (issue 20)', async () => {
    const path = join(folder, 'garbage.jsonl');
    const content = `${record(1)}\n{"no": "line number"}\n${record(3)}\n`;
    writeFileSync(path, content);
    const error = await prepareResume(path).then(() => undefined, (reason: unknown) => reason);
    expect((error as { code?: string }).code).toBe('OUTPUT_CONFLICT');
    expect((error as Error).message).toContain('line 2 is not a zsre extract output record');
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('reads records that span many read chunks, with multi-byte text', async () => {
    const path = join(folder, 'big.jsonl');
    const long = 'é'.repeat(50_000);
    const lines = [1, 2, 3].map((line) => JSON.stringify({ line, result: { text: long } }));
    writeFileSync(path, `${lines.join('\n')}\n`);
    const state = await prepareResume(path);
    expect([...state.done.keys()]).toEqual([1, 2, 3]);
    expect(state.removedBytes).toBe(0);
  });
});

describe('readJsonl', () => {
  it('numbers lines from 1, skips blank lines and reports malformed ones', async () => {
    const path = join(folder, 'input.jsonl');
    writeFileSync(path, '{"a":1}\r\n\n{bad\n{"b":2}');
    const lines = [];
    for await (const line of readJsonl(path)) lines.push(line);
    expect(lines.map((line) => [line.line, line.ok])).toEqual([
      [1, true],
      [3, false],
      [4, true],
    ]);
  });
});

describe('prepareLine', () => {
  it('keeps item fields and drops other top-level fields', () => {
    const prepared = prepareLine({ line: 5, ok: true, value: { id: 'x', text: 'A met B.', head: 'A', tail: 'B', gold: 'P26' } });
    expect(prepared).toEqual({ line: 5, id: 'x', item: { id: 'x', text: 'A met B.', head: 'A', tail: 'B' } });
  });

  it('turns malformed JSON, non-objects and invalid items into error records', () => {
    expect(prepareLine({ line: 2, ok: false, code: 'JSONL_PARSE', message: 'malformed JSON at line 2: Unexpected token' })).toMatchObject({
      record: { line: 2, error: { code: 'JSONL_PARSE' } },
    });
    expect(prepareLine({ line: 3, ok: true, value: [1, 2] })).toMatchObject({ record: { line: 3, error: { code: 'INVALID_INPUT' } } });
    expect(prepareLine({ line: 4, ok: true, value: { id: 'q', text: 'A met B.', head: 'A' } })).toMatchObject({
      record: { line: 4, id: 'q', error: { code: 'INVALID_INPUT' } },
    });
  });

  it('reads a line with entities, or with a text and no head/tail/tokens, as a document', () => {
    expect(prepareLine({ line: 1, ok: true, value: { id: 'd', text: 'Ada met Bob.', entities: ['Ada', { start: 8, end: 11 }], gold: 'x' } })).toEqual({
      line: 1,
      id: 'd',
      document: { id: 'd', text: 'Ada met Bob.', entities: ['Ada', { start: 8, end: 11 }] },
    });
    expect(prepareLine({ line: 2, ok: true, value: { text: 'Ada met Bob.', directions: 'forward', maxTokenDistance: 3 } })).toEqual({
      line: 2,
      document: { text: 'Ada met Bob.', directions: 'forward', maxTokenDistance: 3 },
    });
    expect(prepareLine({ line: 3, ok: true, value: { text: 'Ada met Bob.', entities: ['Ada'], tail: 'Bob' } })).toMatchObject({
      record: { line: 3, error: { code: 'INVALID_INPUT', message: expect.stringContaining('"entities" (a document) and "tail" (an item)') } },
    });
    expect(prepareLine({ line: 4, ok: true, value: { text: 'Ada met Bob.', entities: [5] } })).toMatchObject({
      record: { line: 4, error: { code: 'INVALID_INPUT', message: expect.stringContaining('document at line 4: field "entities.0"') } },
    });
    expect(prepareLine({ line: 5, ok: true, value: { text: ' \n ' } })).toMatchObject({ record: { line: 5, error: { code: 'EMPTY_TEXT' } } });
    expect(prepareLine({ line: 6, ok: true, value: { tokens: ['a'] } })).toMatchObject({ record: { line: 6, error: { code: 'INVALID_INPUT' } } });
  });
});

describe('progress', () => {
  function capture(isTTY: boolean) {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        callback();
      },
    }) as unknown as NodeJS.WriteStream;
    stream.isTTY = isTTY;
    stream.columns = 200;
    return { stream, text: () => chunks.join('') };
  }

  it('prints plain lines at most every interval when stderr is not a terminal', () => {
    let time = 0;
    const out = capture(false);
    const progress = createProgress({ total: 100, label: 'extract', stream: out.stream, plainIntervalSeconds: 5, now: () => time });
    for (let step = 0; step < 10; step += 1) {
      time += 1000; // one second and 10 items per step
      progress.advance(10);
    }
    progress.finish();
    const lines = out.text().trimEnd().split('\n');
    // First advance prints, then one line per 5 s, then the final state.
    expect(lines).toEqual(['extract 10/100 (10.0%) 10.0/s ETA 9s', 'extract 60/100 (60.0%) 10.0/s ETA 4s', 'extract 100/100 (100.0%) 10.0/s ETA 0s']);
    expect(out.text()).not.toContain('\r');
  });

  it('does not print the final state twice when the last advance already printed it', () => {
    let time = 0;
    const out = capture(false);
    const progress = createProgress({ total: 5, label: 'extract', stream: out.stream, now: () => time });
    time = 1000;
    progress.advance(5); // the first advance prints, and it is already the final state
    progress.finish();
    expect(out.text()).toBe('extract 5/5 (100.0%) 5.0/s ETA 0s\n');
    const again = capture(false);
    const second = createProgress({ total: 0, label: 'extract', stream: again.stream, now: () => time });
    second.finish(); // nothing advanced: finish still prints the (empty) final state once
    expect(again.text()).toBe('extract 0/0 (100.0%) 0.0/s ETA 0s\n');
  });

  it('redraws in place on a terminal and keeps log lines readable', () => {
    let time = 0;
    const out = capture(true);
    const progress = createProgress({ total: 4, label: 'extract', stream: out.stream, now: () => time });
    time = 500;
    progress.advance(1);
    progress.log('line 2: bad');
    time = 1000;
    progress.advance(3);
    progress.finish();
    expect(out.text()).toContain('\rextract [#####---------------] 1/4 (25.0%) 2.0/s ETA 2s\u001b[K');
    expect(out.text()).toContain('\r\u001b[Kline 2: bad\n');
    expect(out.text()).toContain('\rextract [####################] 4/4 (100.0%)');
    expect(out.text().endsWith('\n')).toBe(true);
  });

  it('keeps the whole line on a terminal that reports no width', () => {
    const out = capture(true);
    out.stream.columns = 0;
    const progress = createProgress({ total: 10, label: 'extract', stream: out.stream, now: () => 1000 });
    progress.finish();
    expect(out.text()).toContain('ETA ?\u001b[K');
  });

  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(7300)).toBe('2h01m');
    expect(formatDuration(Infinity)).toBe('?');
  });
});

describe('argument checks', () => {
  it('accepts positive integers and probabilities, rejects the rest with UsageError', () => {
    expect(positiveInteger('8', '--batch-size')).toBe(8);
    expect(positiveInteger(undefined, '--batch-size')).toBeUndefined();
    expect(() => positiveInteger('0', '--batch-size')).toThrow(UsageError);
    expect(() => positiveInteger('2.5', '--top-k')).toThrow(/--top-k must be a positive integer/);
    expect(probability('0.4', '--threshold')).toBe(0.4);
    expect(() => probability('1.5', '--threshold')).toThrow(UsageError);
    expect(() => probability('', '--threshold')).toThrow(UsageError);
  });
});
