import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const examplesDir = join(root, 'examples');
// Every example found on disk is run: a new example is tested without touching this file.
const examples = readdirSync(examplesDir)
  .filter((name) => /\.(ts|mts|js|mjs)$/.test(name))
  .sort();
const cacheDir = mkdtempSync(join(tmpdir(), 'zsre-examples-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('examples/', () => {
  it('holds examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples)('%s runs to completion and prints results', async (name) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(examplesDir, name)], {
      cwd: root,
      env: { ...process.env, ZSRE_CACHE_DIR: cacheDir },
      // kg-pipeline.ts builds the label index of the 3,400 Wikidata relations of 'wikidata-no-ids'
      // with the bundled model on first use (under a minute on 2 cores); the others take seconds.
      timeout: 900_000,
    });
    // Each example prints one "head -> tail: ..." line per classified pair.
    expect(stdout).toMatch(/ -> .+: /);
  }, 900_000);
});
