import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a user gets it: build, `npm pack`, install the tarball into a fresh project
 * (dependencies from the local npm cache) and use it from CommonJS, ESM and the `zsre` bin.
 * This catches what unit tests cannot: a file missing from "files", a broken "exports" map,
 * a data file resolved relative to the wrong folder once installed.
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'zsre-pack-'));
const project = join(work, 'project');
let tarballFiles: string[] = [];

// onnxruntime-node's postinstall would fetch CUDA libraries from outside the registry (npm 10).
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false' };

beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: root, env });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, env });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (packed === undefined) throw new Error(`npm pack printed no package: ${stdout}`);
  tarballFiles = packed.files.map((file) => file.path);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'zsre-pack-check', private: true, version: '1.0.0', allowScripts: { 'onnxruntime-node': false, 'hnswlib-node': true } }),
  );
  await run('npm', ['install', join(work, packed.filename), '--prefer-offline'], { cwd: project, env, timeout: 240_000 });
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

async function node(file: string, source: string): Promise<string> {
  writeFileSync(join(project, file), source);
  const { stdout } = await run(process.execPath, [file], { cwd: project, env });
  return stdout;
}

describe('the packed package', () => {
  it('ships the builds, the CLI and the built-in relations, and no sources or tests', () => {
    const entries = ['index', 'kg', 'workers', 'queue'].flatMap((name) => [`dist/${name}.js`, `dist/${name}.cjs`, `dist/${name}.d.ts`, `dist/${name}.d.cts`]);
    // zsre/web is ESM only (browsers and their bundlers); test/web-browser.test.ts runs it in Chromium.
    for (const file of [...entries, 'dist/web.js', 'dist/web.d.ts', 'dist/cli.js', 'dist/worker.js', 'data/wikidata-relations.json.gz', 'package.json']) {
      expect(tarballFiles).toContain(file);
    }
    expect(tarballFiles.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).toEqual([]);
  });

  it("require('zsre') from CommonJS gives createExtractor and the built-in wikidata set", async () => {
    const stdout = await node(
      'check.cjs',
      `const zsre = require('zsre');
       zsre.loadRelations('wikidata').then((relations) => {
         console.log(JSON.stringify({ createExtractor: typeof zsre.createExtractor, count: relations.length,
           p26: relations.find((r) => r.id === 'P26').name, error: typeof zsre.ZsreError }));
       });`,
    );
    expect(JSON.parse(stdout)).toEqual({ createExtractor: 'function', count: 11_665, p26: 'spouse', error: 'function' });
  });

  it("import('zsre') from ESM gives createExtractor and the built-in wikidata set", async () => {
    const stdout = await node(
      'check.mjs',
      `const zsre = await import('zsre');
       const relations = await zsre.loadRelations('wikidata');
       console.log(JSON.stringify({ createExtractor: typeof zsre.createExtractor, count: relations.length,
         p26: relations.find((r) => r.id === 'P26').name }));`,
    );
    expect(JSON.parse(stdout)).toEqual({ createExtractor: 'function', count: 11_665, p26: 'spouse' });
  });

  it('installs the zsre command', async () => {
    const bin = join(project, 'node_modules', '.bin', 'zsre');
    const version = await run(bin, ['--version'], { cwd: project, env });
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(manifest.version);
    const help = await run(bin, ['extract', '--help'], { cwd: project, env });
    expect(help.stdout).toContain('Exit codes');
  });

  it('exposes zsre/kg, zsre/workers and zsre/queue to ESM and CommonJS, with one ZsreError class across entries', async () => {
    const esm = await node(
      'entries.mjs',
      `import { isZsreError } from 'zsre';
       import * as kg from 'zsre/kg';
       import * as workers from 'zsre/workers';
       import * as queue from 'zsre/queue';
       let sameClass = false;
       try { kg.checkBaseIri('not an iri'); } catch (error) { sameClass = isZsreError(error); }
       console.log(JSON.stringify({ extractDocument: typeof kg.extractDocument, findEntities: typeof kg.findEntities, resultToQuads: typeof kg.resultToQuads,
         createWorkerPool: typeof workers.createWorkerPool, submitRun: typeof queue.submitRun, mergeRun: typeof queue.mergeRun, sameClass }));`,
    );
    const expected = { extractDocument: 'function', findEntities: 'function', resultToQuads: 'function', createWorkerPool: 'function', submitRun: 'function', mergeRun: 'function', sameClass: true };
    expect(JSON.parse(esm)).toEqual(expected);
    const cjs = await node(
      'entries.cjs',
      `const { isZsreError } = require('zsre');
       const kg = require('zsre/kg'); const workers = require('zsre/workers'); const queue = require('zsre/queue');
       let sameClass = false;
       try { kg.checkBaseIri('not an iri'); } catch (error) { sameClass = isZsreError(error); }
       console.log(JSON.stringify({ extractDocument: typeof kg.extractDocument, findEntities: typeof kg.findEntities, resultToQuads: typeof kg.resultToQuads,
         createWorkerPool: typeof workers.createWorkerPool, submitRun: typeof queue.submitRun, mergeRun: typeof queue.mergeRun, sameClass }));`,
    );
    expect(JSON.parse(cjs)).toEqual(expected);
  });

  it('gives types for every entry to a TypeScript project (node16 resolution)', async () => {
    writeFileSync(
      join(project, 'types.mts'),
      `import { createExtractor, type Extractor } from 'zsre';
       import { extractDocument, type DocumentResult, type SkippedPair } from 'zsre/kg';
       import { createWorkerPool, type WorkerPool } from 'zsre/workers';
       import { mergeRun, type MergeOptions } from 'zsre/queue';
       export async function use(extractor: Extractor, pool: WorkerPool, merge: MergeOptions): Promise<SkippedPair[]> {
         const document: DocumentResult = await extractDocument(pool, { text: 'a b', entities: ['a', 'b'] });
         void createExtractor; void createWorkerPool; void mergeRun; void merge; void extractor;
         return document.skipped;
       }
       // @ts-expect-error: extractDocument needs an extractor and a document
       void extractDocument();`,
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', 'types.mts'];
    // tsc prints its errors on stdout and exits non-zero: the errors are the failure message.
    const outcome = await run(process.execPath, args, { cwd: project, env }).then(
      () => 'no errors',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(outcome).toBe('no errors');
  });
});
