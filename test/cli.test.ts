import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** The zsre CLI run as a user runs it: a child process, judged by exit code, stdout, stderr and files. */
const root = resolve(import.meta.dirname, '..');
const model = join(root, 'test', 'fixtures', 'tiny-model');
const work = mkdtempSync(join(tmpdir(), 'zsre-cli-'));
const cacheDir = join(work, 'cache');
// The children run in a temporary folder, where a bare `--import tsx` would not resolve.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(script: string, args: string[]) {
  return spawn(process.execPath, ['--import', tsxLoader, join(root, script), ...args], {
    cwd: work,
    env: { ...process.env, ZSRE_CACHE_DIR: cacheDir },
  });
}

function finish(child: ReturnType<typeof start>): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

const zsre = (...args: string[]) => finish(start('src/cli/main.ts', args));

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

function readRecords(path: string): { line: number; id?: string; result?: { relation: unknown; candidates: unknown[] }; error?: { code: string; message: string } }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

const relationsFile = file(
  'relations.json',
  JSON.stringify([
    { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
    { id: 'P19', name: 'place of birth', description: 'birth location of a person' },
    { id: 'P108', name: 'employer', description: 'person or organization for which the subject works' },
    { id: 'P50', name: 'author', description: 'main creator of a written work' },
    { id: 'P159', name: 'headquarters location', description: "city where an organization's headquarters is" },
  ]),
);

describe('zsre help and usage errors', () => {
  it('prints the overview with the exit codes', async () => {
    const outcome = await zsre('--help');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('Usage: zsre <command>');
    for (const command of ['demo', 'extract', 'index']) expect(outcome.stdout).toContain(command);
    expect(outcome.stdout).toMatch(/Exit codes: 0 ok; 1 .*\n.*2 usage error; 3/);
  });

  it.each(['demo', 'extract', 'index'])('prints help for %s', async (command) => {
    const outcome = await zsre(command, '--help');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(`Usage: zsre ${command}`);
    expect(outcome.stdout).toContain('Exit codes');
  });

  it('prints the version of package.json', async () => {
    const outcome = await zsre('--version');
    expect(outcome.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['extract', '--bogus'], /Unknown option '--bogus'/],
    [['extract', '--input', 'x.jsonl', '--output', 'y.jsonl'], /missing required option --relations/],
    [['extract', '--relations', 'wikidata', '--input', 'missing.jsonl', '--output', 'y.jsonl'], /input file missing.jsonl does not exist/],
    [['extract', '--relations', 'wikidata', '--input', '.', '--output', 'y.jsonl'], /input file \. is a folder, not a file/],
    [['calibrate', '--relations', 'wikidata', '--input', 'missing.jsonl', '--output', 'c.json'], /--input missing.jsonl does not exist/],
    [['extract', '--relations', 'wikidata', '--input', 'x', '--output', 'y', '--top-k', '0'], /--top-k must be a positive integer/],
    [['extract', '--relations', 'wikidata', '--input', 'relations.json', '--output', 'relations.json'], /--output must differ from --input/],
    [['extract', '--relations', 'wikidata', '--input', 'relations.json', '--output', 'no/such/dir/out.jsonl'], /folder of --output .* does not exist/],
    [['extract', '--relations', 'wikidata', '--input', 'x', '--output', 'y', '--threshold', '2'], /--threshold must be a number between 0 and 1/],
    [['index', '--model', 'm', '--relations', 'wikidata', '--index', 'tree'], /--index must be one of auto, exact, hnsw/],
    [['index', '--model', 'm', '--relations', 'wikidata', '--cache-dir', 'relations.json'], /cannot write the index to .*relations.json\/labels/],
  ])('exits 2 on %j', async (args, message) => {
    const outcome = await zsre(...args);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stderr).toContain('--help" for usage');
  });

  it('exits 2 without a command, printing the overview', async () => {
    const outcome = await zsre();
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toContain('Usage: zsre <command>');
  });
});

describe('zsre extract failures before any line is processed', () => {
  const input = file('two.jsonl', '{"text": "Ada met Bob.", "head": "Ada", "tail": "Bob"}\n{"text": "Ada met Bob.", "head": "Bob", "tail": "Ada"}\n');

  it('exits 3 naming the relations file when it cannot be loaded', async () => {
    const outcome = await zsre('extract', '--relations', 'nope.json', '--input', input, '--output', join(work, 'o1.jsonl'), '--model', model);
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toContain('RELATIONS_FILE');
    expect(outcome.stderr).toContain('nope.json');
  });

  it('exits 3 naming the model directory when it cannot be loaded', async () => {
    const outcome = await zsre('extract', '--relations', relationsFile, '--input', input, '--output', join(work, 'o2.jsonl'), '--model', join(work, 'no-model'));
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toContain('MODEL_NOT_FOUND');
    expect(outcome.stderr).toContain('no-model');
  });

  it('exits 2 when the output was written for another input', async () => {
    const longer = file('longer-output.jsonl', `${JSON.stringify({ line: 9, result: { relation: null } })}\n`);
    const outcome = await zsre('extract', '--relations', relationsFile, '--input', input, '--output', longer, '--model', model);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('another input');
    const otherIds = file('other-ids.jsonl', `${JSON.stringify({ line: 1, id: 'not-in-input', result: { relation: null } })}\n`);
    const second = await zsre('extract', '--relations', relationsFile, '--input', input, '--output', otherIds, '--model', model);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('"not-in-input"');
  });

  it('says an empty input holds no lines, and writes no output', async () => {
    const empty = file('empty.jsonl', '\n');
    const outcome = await zsre('extract', '--relations', relationsFile, '--input', empty, '--output', join(work, 'from-empty.jsonl'), '--model', join(work, 'no-model'));
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toMatch(/nothing to do: .*empty\.jsonl holds no input lines \(no output written\)/);
    expect(existsSync(join(work, 'from-empty.jsonl'))).toBe(false);
  });

  it('does nothing, without loading a model, when every line is already in the output', async () => {
    const done = file('done.jsonl', `${JSON.stringify({ line: 1, result: { relation: null } })}\n${JSON.stringify({ line: 2, result: { relation: null } })}\n`);
    const before = readFileSync(done, 'utf8');
    const outcome = await zsre('extract', '--relations', relationsFile, '--input', input, '--output', done, '--model', join(work, 'no-model'));
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toContain('nothing to do');
    expect(readFileSync(done, 'utf8')).toBe(before);
  });
});

describe('zsre extract with the tiny model', () => {
  it('writes one record per input line, reports bad lines and exits 1', async () => {
    const input = file(
      'mixed.jsonl',
      [
        JSON.stringify({ id: 'a', text: 'Marie Curie married Pierre Curie in 1895.', head: 'Marie Curie', tail: 'Pierre Curie' }),
        '{"id": "b", "text": "broken',
        JSON.stringify({ id: 'c', tokens: ['Ada', 'Lovelace', 'was', 'born', 'in', 'London', '.'], head: [0, 1], tail: [5] }),
        JSON.stringify({ id: 'd', text: 'Alan Turing worked in Manchester.', head: 'Grace Hopper', tail: 'Manchester' }),
        '',
        JSON.stringify({ text: 'Siemens has its headquarters in Munich.', head: 'Siemens', tail: 'Munich', gold: 'P159' }),
        '[1, 2]',
      ].join('\n') + '\n',
    );
    const output = join(work, 'mixed-out.jsonl');
    const outcome = await zsre('extract', '--relations', relationsFile, '--input', input, '--output', output, '--model', model, '--batch-size', '2');
    expect(outcome.code).toBe(1);
    const records = readRecords(output);
    expect(records.map((record) => record.line)).toEqual([1, 2, 3, 4, 6, 7]);
    expect(records.map((record) => record.error?.code ?? 'ok')).toEqual(['ok', 'JSONL_PARSE', 'ok', 'ENTITY_NOT_FOUND', 'ok', 'INVALID_INPUT']);
    expect(records.map((record) => record.id)).toEqual(['a', undefined, 'c', 'd', undefined, undefined]);
    for (const record of records.filter((entry) => entry.error === undefined)) {
      expect(record.result?.candidates.length).toBeGreaterThan(0);
    }
    expect(outcome.stderr).toMatch(/line 2: JSONL_PARSE/);
    expect(outcome.stderr).toMatch(/line 4: ENTITY_NOT_FOUND/);
    expect(outcome.stderr).toMatch(/line 7: INVALID_INPUT/);
    expect(outcome.stderr).toContain('wrote 6 lines (3 with errors)');

    // A rerun finds every line done: nothing to do, and the exit code still says some lines failed.
    const again = await zsre('extract', '--relations', relationsFile, '--input', input, '--output', output, '--model', model);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('nothing to do');

    // --overwrite starts again from an empty output instead of resuming.
    const fresh = await zsre('extract', '--relations', relationsFile, '--input', input, '--output', output, '--model', model, '--overwrite');
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).not.toContain('resuming');
    expect(readRecords(output).map((record) => record.line)).toEqual([1, 2, 3, 4, 6, 7]);
  });

  it('after SIGKILL midway and a rerun, every input line is in the output exactly once', async () => {
    const lines = 4000;
    const input = join(work, 'resume.jsonl');
    const made = await finish(start('scripts/make-jsonl.ts', [String(lines), input]));
    expect(made.code).toBe(0);
    const output = join(work, 'resume-out.jsonl');
    const args = ['extract', '--relations', relationsFile, '--input', input, '--output', output, '--model', model, '--batch-size', '4'];

    const child = start('src/cli/main.ts', args);
    const first = finish(child);
    let exited = false;
    void first.then(() => (exited = true));
    // Kill as soon as some records are on disk.
    while (!exited && !(existsSync(output) && statSync(output).size > 2000)) await new Promise((wake) => setTimeout(wake, 10));
    expect(exited).toBe(false);
    child.kill('SIGKILL');
    expect((await first).signal).toBe('SIGKILL');
    const partial = readFileSync(output, 'utf8').split('\n').filter((line) => line !== '').length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(lines);
    // A torn write, as a kill inside write() would leave it.
    appendFileSync(output, '{"line": 123, "result": {"relation": {"id": "P2');

    const second = await zsre(...args);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('resuming');
    expect(second.stderr).toContain('partial output');
    const records = readRecords(output);
    const counts = new Map<number, number>();
    for (const record of records) counts.set(record.line, (counts.get(record.line) ?? 0) + 1);
    expect(records).toHaveLength(lines);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: lines }, (_, index) => index + 1));
    expect(records.every((record) => record.id === `item-${record.line}` && record.result !== undefined)).toBe(true);
  });
});

describe('zsre extract on awkward JSONL bytes', () => {
  it('skips a BOM, numbers lines as sed does, fails only a non-UTF-8 line, and resumes with the same numbering', async () => {
    const item = (id: string, extra = '') => JSON.stringify({ id, text: `Ada met Bob${extra}.`, head: 'Ada', tail: 'Bob' });
    const content = Buffer.concat([
      Buffer.from(`\uFEFF${item('a')}\r\n`),
      Buffer.from(`${item('b', '\r')}\n`), // a lone CR inside a string (escaped in JSON) and ...
      Buffer.from(`{"id":"c",\r"text":"Ada met Bob.","head":"Ada","tail":"Bob"}\n`), // ... a raw one between tokens: data, not a line break
      Buffer.from('{"id":"d","text":"Ada met B'),
      Buffer.from([0xe9]), // Latin-1 'é': not UTF-8
      Buffer.from('b.","head":"Ada","tail":"Bob"}\n'),
      Buffer.from(`${item('e')}\n`),
    ]);
    const input = join(work, 'awkward.jsonl');
    writeFileSync(input, content);
    const output = join(work, 'awkward-out.jsonl');
    const args = ['extract', '--relations', relationsFile, '--input', input, '--output', output, '--model', model, '--batch-size', '2'];
    const outcome = await zsre(...args);
    expect(outcome.code).toBe(1);
    const records = readRecords(output);
    expect(records.map((record) => [record.line, record.id, record.error?.code ?? 'ok'])).toEqual([
      [1, 'a', 'ok'],
      [2, 'b', 'ok'],
      [3, 'c', 'ok'],
      [4, undefined, 'JSONL_ENCODING'],
      [5, 'e', 'ok'],
    ]);
    expect(outcome.stderr).toMatch(/line 4: JSONL_ENCODING: line 4 is not valid UTF-8/);
    const complete = readFileSync(output, 'utf8');

    // Resume after a kill that left two records and a torn third: the same file results.
    const kept = complete.split('\n').slice(0, 2).join('\n');
    writeFileSync(output, `${kept}\n{"line": 3, "id": "c", "res`);
    const resumed = await zsre(...args);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain('resuming: 2 lines');
    expect(readFileSync(output, 'utf8')).toBe(complete);
  });
});

describe('zsre demo and index with the tiny model', () => {
  it('demo prints the table and says plainly that the fixture is untrained', async () => {
    const outcome = await zsre('demo', '--model', model);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/untrained test fixture .*meaningless/s);
    expect(outcome.stdout).toMatch(/sentence\s+head\s+tail\s+predicted \(p\)\s+runner-up \(p\)/);
    expect(outcome.stdout).toContain('Marie Curie');
    expect(outcome.stdout).toContain('Penicillin');
  });

  it('index builds and persists the label index once, then finds it up to date', async () => {
    const indexCache = join(work, 'index-cache');
    const outcome = await zsre('index', '--model', model, '--relations', relationsFile, '--cache-dir', indexCache);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('relations: 5');
    const written = /index written to (\S+): (\d+) file/.exec(outcome.stdout);
    expect(written?.[1]).toBe(join(indexCache, 'labels'));
    const listed = [...outcome.stdout.matchAll(/^ {2}(\S+) {2}/gm)].map((match) => match[1] as string);
    expect(listed.length).toBeGreaterThan(0);
    for (const path of listed) expect(statSync(path).size).toBeGreaterThan(0);

    const again = await zsre('index', '--model', model, '--relations', relationsFile, '--cache-dir', indexCache);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already up to date');
  });

  it('index persists the vectors of relations taught by examples, and only those of a changed relation are new', async () => {
    const indexCache = join(work, 'index-cache-examples');
    const examples = [{ text: 'Ada met her rival Bob.', head: 'Ada', tail: 'Bob' }];
    const taught = (more: object[]) =>
      file(`taught-${more.length}.jsonl`, [
        JSON.stringify({ id: 'P26', name: 'spouse', examples: [{ text: 'Ada married Bob.', head: 'Ada', tail: 'Bob' }] }),
        JSON.stringify({ id: 'rival', name: 'rival', examples: [...examples, ...more] }),
      ].join('\n'));
    const first = await zsre('index', '--model', model, '--relations', taught([]), '--cache-dir', indexCache);
    expect(first.code).toBe(0);
    // The description vectors, and one entry per relation with examples.
    expect(first.stdout).toMatch(/: 3 file\(s\)/);
    const second = await zsre('index', '--model', model, '--relations', taught([{ text: 'Cy fought his rival Di.', head: 'Cy', tail: 'Di' }]), '--cache-dir', indexCache);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/: 1 file\(s\)/);
  });
});

describe('zsre extract --calibration', () => {
  const items = [
    { text: 'Marie Curie married Pierre Curie in 1895.', head: 'Marie Curie', tail: 'Pierre Curie' },
    { text: 'Ada Lovelace was born in London.', head: 'Ada Lovelace', tail: 'London' },
  ];
  const input = file('calibration-input.jsonl', items.map((item) => JSON.stringify(item)).join('\n'));

  it('gives the answers of createExtractor({ calibration }) with a model that carries it', async () => {
    const { copyFixture, editManifest } = await import('./helpers/modelDir.js');
    const calibrated = await copyFixture();
    let vectorSize = 0;
    await editManifest(calibrated, (manifest) => {
      vectorSize = manifest.vectorSize as number;
      const block = { noneVector: { weights: new Array<number>(vectorSize).fill(0.01), bias: 1 }, threshold: 0.2 };
      (manifest.fusion as Record<string, unknown>).calibrations = { documents: { ...block, biOnly: block } };
    });
    const { createExtractor } = await import('../src/index.js');
    const expected = async (calibration?: string) => {
      const extractor = await createExtractor({ model: calibrated, relations: relationsFile, cacheDir, ...(calibration === undefined ? {} : { calibration }) });
      const results = JSON.parse(JSON.stringify(await extractor.extractBatch(items)));
      await extractor.dispose();
      return results;
    };
    const withCalibration = await expected('documents');
    expect(withCalibration).not.toEqual(await expected());
    const output = join(work, 'calibrated-out.jsonl');
    const outcome = await zsre('extract', '--model', calibrated, '--relations', relationsFile, '--input', input, '--output', output, '--calibration', 'documents');
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(readRecords(output).map((record) => record.result)).toEqual(withCalibration);
  });

  it('exits 3 naming the calibrations the model has when it lacks the one asked for', async () => {
    const output = join(work, 'uncalibrated-out.jsonl');
    const outcome = await zsre('extract', '--model', model, '--relations', relationsFile, '--input', input, '--output', output, '--calibration', 'documents');
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toMatch(/calibration "documents".*no named calibrations/);
    expect(existsSync(output)).toBe(false);
  });
});

describe('zsre extract --none-examples', () => {
  const taughtRelations = file(
    'taught-for-none.jsonl',
    [
      JSON.stringify({ id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' }),
      JSON.stringify({
        id: 'rival',
        name: 'rival',
        examples: [
          { text: 'Ada met her rival Bob.', head: 'Ada', tail: 'Bob' },
          { text: 'Cy fought his old rival Di in the final.', head: 'Cy', tail: 'Di' },
        ],
      }),
    ].join('\n'),
  );
  const none = [
    { text: 'Ada and Bob both had lunch in Paris.', head: 'Ada', tail: 'Bob' },
    { text: 'Cy read a book while Di slept.', head: 'Cy', tail: 'Di' },
  ];
  const items = [
    { text: 'Eve beat her rival Fay at the open.', head: 'Eve', tail: 'Fay' },
    { text: 'Gus sat next to Hal on the train.', head: 'Gus', tail: 'Hal' },
    { text: 'Ivy married Jon in 1990.', head: 'Ivy', tail: 'Jon' },
  ];
  const input = file('none-input.jsonl', items.map((item) => JSON.stringify(item)).join('\n'));

  it('gives the answers of createExtractor({ noneExamples }), from a .jsonl or a .json file', async () => {
    const { createExtractor } = await import('../src/index.js');
    const relations = readFileSync(taughtRelations, 'utf8').split('\n').map((line) => JSON.parse(line));
    const withNone = await createExtractor({ model, relations, noneExamples: none, cacheDir });
    const plain = await createExtractor({ model, relations, cacheDir });
    const expected = JSON.parse(JSON.stringify(await withNone.extractBatch(items)));
    const without = JSON.parse(JSON.stringify(await plain.extractBatch(items)));
    await withNone.dispose();
    await plain.dispose();
    // The none examples move the taught relation's scores, so the comparison below can fail.
    expect(expected).not.toEqual(without);
    for (const [name, content] of [
      ['none.jsonl', none.map((example) => JSON.stringify(example)).join('\n')],
      ['none.json', JSON.stringify(none)],
    ] as const) {
      const output = join(work, `none-out-${name}.jsonl`);
      const outcome = await zsre('extract', '--model', model, '--relations', taughtRelations, '--input', input, '--output', output, '--none-examples', file(name, content));
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(readRecords(output).map((record) => record.result)).toEqual(expected);
    }
  });

  it.each([
    ['bad-none.jsonl', `${JSON.stringify(none[0])}\n{"text": "Kim met Lou.", "head": "Kim", "tail": "Max"}`, /line 2 of .*bad-none.jsonl.*Max/s],
    ['field-none.jsonl', JSON.stringify({ ...none[0], relation: 'none' }), /line 1 of .*field-none.jsonl/],
    ['object-none.json', JSON.stringify({ examples: none }), /expected an array of examples/],
    ['none.txt', 'Ada and Bob', /Unsupported examples file/],
  ])('refuses %s with exit 3 and a message naming the file, writing nothing', async (name, content, message) => {
    const output = join(work, `refused-${name}.jsonl`);
    const outcome = await zsre('extract', '--model', model, '--relations', taughtRelations, '--input', input, '--output', output, '--none-examples', file(name, content));
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toMatch(/cannot load the "no relation" examples/);
    expect(outcome.stderr).toMatch(message);
    expect(existsSync(output)).toBe(false);
  });

  it('exits 2 when the file does not exist', async () => {
    const outcome = await zsre('extract', '--relations', 'wikidata', '--input', input, '--output', 'y.jsonl', '--none-examples', 'missing-none.jsonl');
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--none-examples file missing-none.jsonl does not exist/);
  });
});
