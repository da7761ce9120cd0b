import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The zsre CLI run as a user runs it, from source, in a temporary folder: exit code, output, files. */
export const root = resolve(import.meta.dirname, '..', '..');
export const tinyModel = join(root, 'test', 'fixtures', 'tiny-model');
// The children run in a temporary folder, where a bare `--import tsx` would not resolve.
export const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cliWorkspace(prefix: string) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const env = { ...process.env, ZSRE_CACHE_DIR: join(work, 'cache') };
  const start = (script: string, args: string[]) => spawn(process.execPath, ['--import', tsxLoader, join(root, script), ...args], { cwd: work, env });
  const zsre = (...args: string[]) => finish(start('src/cli/main.ts', args));
  const file = (name: string, content: string | Buffer): string => {
    const path = join(work, name);
    writeFileSync(path, content);
    return path;
  };
  return { work, env, start, zsre, file, remove: () => rmSync(work, { recursive: true, force: true }) };
}

export function finish(child: ReturnType<typeof spawn>): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** The pid of a process that has exited: what a killed run leaves in its lock and file names. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await finish(child);
  return child.pid as number;
}

export const relationsJson = JSON.stringify([
  { id: 'P26', name: 'spouse', description: 'the subject has the object as their spouse' },
  { id: 'P19', name: 'place of birth', description: 'birth location of a person' },
  { id: 'P108', name: 'employer', description: 'person or organization for which the subject works' },
]);
