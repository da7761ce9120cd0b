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
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/cli.js', 'data/wikidata-relations.json.gz', 'package.json']) {
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
});
