import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoPath, repoRoot, withoutRepoRoot } from '../benchmarks/lib/environment.js';

const root = resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function runScript(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'benchmarks', script), ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stderr }));
  });
}

describe('benchmark flags are strict', () => {
  it.each([
    ['fewrel.ts', ['--bogus'], "Unknown option '--bogus'", 'Usage: npm run bench:fewrel'],
    ['fewrel.ts', ['--per-relation', '12x'], '--per-relation must be a positive integer, received "12x"', 'Usage: npm run bench:fewrel'],
    ['fewrel.ts', ['--dataset', 'docred'], '--dataset must be one of fewrel, wikizsl, received "docred"', 'Usage: npm run bench:fewrel'],
    ['fewrel.ts', ['--methods', 'bi,emma9'], '--methods: unknown method "emma9"', 'Usage: npm run bench:fewrel'],
    ['fewrel.ts', ['--splits', '5'], '--splits: invalid split "5"', 'Usage: npm run bench:fewrel'],
    ['heldout.ts', [], 'missing required flag --model', 'Usage: npm run bench:heldout'],
    ['open-set.ts', ['--split', '5-ori'], '--split: expected <m>_<seed>', 'Usage: npm run bench:open-set'],
    ['wikidata-scale.ts', ['--per-relation', '0'], '--per-relation must be a positive integer, received "0"', 'Usage: npm run bench:wikidata'],
    ['workers.ts', ['--sentences'], "Option '--sentences <value>' argument missing", 'Usage: npx tsx benchmarks/workers.ts'],
    ['entities-compromise.ts', ['--model', 'x'], "Unknown option '--model'", 'Usage: npx tsx benchmarks/entities-compromise.ts'],
    ['speed.ts', ['--threads', 'two'], '--threads must be a positive integer, received "two"', 'Usage: npm run bench:speed'],
    ['speed.ts', ['--tag', 'Intel Xeon'], '--tag: "Intel Xeon" must be lower-case letters, digits and dashes', 'Usage: npm run bench:speed'],
    ['graphs.ts', ['--tag', 'amx', '--only', 'perTensor'], '--tag names a full run on another processor', 'Usage: npm run bench:graphs'],
    ['report.ts', ['--chek'], "Unknown option '--chek'", 'Usage: npm run bench:report'],
    ['fewrel.ts', ['--splits', '5_ori,5_42', '--predictions', 'p.json'], '--predictions: with 2 splits the path needs "{split}"', 'Usage: npm run bench:fewrel'],
    ['agreement.ts', ['--runtime', 'r.json'], 'missing required flag --reference', 'Usage: npm run bench:agreement'],
    ['fewshot-sets.ts', [], '--model and --split are required', 'Usage: npm run bench:fewshot-sets'],
    ['fewshot-sets.ts', ['--model', 'x', '--split', 'fewrel_m10_41', '--shots', '1,0'], '--shots 1,0: expected positive integers', 'Usage: npm run bench:fewshot-sets'],
    ['fewshot-sets.ts', ['--model', 'x', '--split', 'm10'], '--split m10: expected a FewRel split name', 'Usage: npm run bench:fewshot-sets'],
  ])('%s %j exits 2 with the usage', async (script, args, message, usage) => {
    const outcome = await runScript(script, args);
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr).toContain(message);
    expect(outcome.stderr).toContain(usage);
  });
});

describe('result files carry paths relative to the repository root', () => {
  it('writes repository paths relative, and outside ones with their ../ steps', () => {
    expect(repoPath(join(repoRoot, 'models', 'zsre-minilm-l6-general'))).toBe('models/zsre-minilm-l6-general');
    expect(repoPath(repoRoot)).toBe('.');
    expect(repoPath(resolve(repoRoot, '..', 'shared', 'data'))).toBe('../shared/data');
  });

  it('cuts the checkout folder out of every string a writer left absolute', () => {
    const result = { model: `name (${join(repoRoot, 'models', 'm')}, int8)`, runs: [{ directory: join(repoRoot, 'training', 'exports', 'x') }], root: repoRoot, n: 3, other: '/opt/data' };
    expect(withoutRepoRoot(result)).toEqual({ model: 'name (models/m, int8)', runs: [{ directory: 'training/exports/x' }], root: '.', n: 3, other: '/opt/data' });
  });
});
