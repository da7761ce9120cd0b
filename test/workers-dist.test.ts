import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, tinyModel } from './triples-cli.js';

const run = promisify(execFile);
// Built inside the repository so the bundle resolves its dependencies from node_modules, as an
// installed package does; outside dist/ so a parallel build or pack test is not disturbed.
const cache = join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const outDir = mkdtempSync(join(cache, 'zsre-dist-workers-'));
const work = mkdtempSync(join(tmpdir(), 'zsre-dist-workers-'));
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

beforeAll(async () => {
  const tsup = JSON.parse(readFileSync(join(root, 'node_modules', 'tsup', 'package.json'), 'utf8')) as { bin: { tsup: string } };
  await run(process.execPath, [join(root, 'node_modules', 'tsup', tsup.bin.tsup), '--out-dir', outDir], { cwd: root, timeout: 180_000 });
}, 200_000);

describe('errors from the built package', () => {
  it('ZsreError keeps its name in the CommonJS and the ESM build (issue 20: CJS printed `_class`)', async () => {
    type Module = { ZsreError: new (code: string, message: string) => Error };
    const cjs = createRequire(import.meta.url)(join(outDir, 'index.cjs')) as Module;
    const esm = (await import(pathToFileURL(join(outDir, 'index.js')).href)) as Module;
    for (const { ZsreError } of [cjs, esm]) {
      const error = new ZsreError('INVALID_INPUT', 'bad item');
      expect(error.name).toBe('ZsreError');
      expect(error.constructor.name).toBe('ZsreError');
      expect(String(error)).toBe('ZsreError: bad item');
      expect(inspect(error).split('\n')[0]).toBe('ZsreError: bad item');
    }
  });
});

describe('worker pool from the built package', () => {
  it('builds dist/worker.js beside the bundles and runs zsre extract --workers 2 from them', async () => {
    expect(existsSync(join(outDir, 'worker.js'))).toBe(true);
    const relations = join(work, 'relations.json');
    writeFileSync(relations, JSON.stringify([{ id: 'born_in', name: 'place of birth', description: 'the head person was born in the tail place' }, { id: 'spouse', name: 'spouse' }]));
    const input = join(work, 'in.jsonl');
    writeFileSync(input, Array.from({ length: 20 }, (_, index) => JSON.stringify({ text: `Person ${index} was born in Town ${index}.`, head: `Person ${index}`, tail: `Town ${index}` })).join('\n'));
    const output = join(work, 'out.jsonl');
    // The built CLI, with no tsx loader: the pool must find the built worker, not the .ts source.
    const outcome = await run(
      process.execPath,
      [join(outDir, 'cli.js'), 'extract', '--relations', relations, '--input', input, '--output', output, '--model', tinyModel, '--workers', '2', '--batch-size', '4'],
      { cwd: work, env: { ...process.env, ZSRE_CACHE_DIR: join(work, 'cache') }, timeout: 120_000 },
    );
    expect(outcome.stderr).toMatch(/wrote 20 lines \(0 with errors\)/);
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { line: number }).line);
    expect(lines).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
  });
});
