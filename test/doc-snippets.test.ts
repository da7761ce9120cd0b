import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The TypeScript in README.md and docs/*.md runs: every block fenced as ```ts runnable is written
 * to a file and run with tsx from the repository root, where tsconfig's paths map `zsre`,
 * `zsre/kg`, `zsre/workers` and `zsre/queue` to the sources (test/pack.test.ts checks the same
 * names in the packed package). Snippets use the bundled default model and a few relations, so
 * each takes seconds. A ```ts block must say what it is: `runnable`, or `types` for declarations.
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

interface Snippet {
  file: string;
  line: number;
  kind: string;
  code: string;
}

/** Fenced ```ts / ```typescript blocks, with the word after the language (the kind). */
function tsBlocks(file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: Snippet[] = [];
  for (let at = 0; at < lines.length; at += 1) {
    const open = /^```(ts|typescript)\b\s*(\S*)/.exec(lines[at] ?? '');
    if (open === null) continue;
    const end = lines.findIndex((line, index) => index > at && line.startsWith('```'));
    if (end < 0) throw new Error(`${file}:${at + 1}: unclosed code block`);
    blocks.push({ file, line: at + 1, kind: open[2] ?? '', code: lines.slice(at + 1, end).join('\n') });
    at = end;
  }
  return blocks;
}

const snippets = documents.flatMap(tsBlocks);
const runnable = snippets.filter((snippet) => snippet.kind === 'runnable');
const work = mkdtempSync(join(tmpdir(), 'zsre-snippets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README and docs code snippets', () => {
  it('marks every TypeScript block as runnable or types, and has runnable ones', () => {
    expect(snippets.filter((snippet) => !['runnable', 'types'].includes(snippet.kind)).map((snippet) => `${snippet.file}:${snippet.line} "${snippet.kind}"`)).toEqual([]);
    expect(runnable.map((snippet) => snippet.file)).toEqual(expect.arrayContaining(['README.md', 'docs/knowledge-graphs.md']));
  });

  it('type-checks every runnable snippet against the public types', async () => {
    // One tsc run over all snippets, with the repository's settings and its paths for the package names.
    const files = runnable.map((snippet, index) => {
      const file = join(work, `typecheck-${index}.mts`);
      writeFileSync(file, `${snippet.code}\nexport {};\n`);
      return file;
    });
    const config = join(work, 'tsconfig.json');
    writeFileSync(config, JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { noEmit: true, typeRoots: [join(root, 'node_modules', '@types')] }, include: [], files }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const outcome = await run(process.execPath, [tsc, '--project', config], { cwd: root }).then(
      () => 'no errors',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(outcome).toBe('no errors');
  }, 120_000);

  it.each(runnable.map((snippet) => [`${snippet.file}:${snippet.line}`, snippet] as const))('%s runs and prints', async (name, snippet) => {
    const file = join(work, `${name.replace(/[^a-z0-9]+/gi, '-')}.mts`);
    writeFileSync(file, snippet.code);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, ZSRE_CACHE_DIR: join(work, 'cache') },
      timeout: 120_000,
    });
    expect(stdout.trim()).not.toBe('');
  }, 120_000);
});
