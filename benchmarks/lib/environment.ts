/** What every result file records about where and how it was produced. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface RunEnvironment {
  commit: string;
  dirty: boolean;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  date: string;
}

export function runEnvironment(): RunEnvironment {
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    commit: git(['rev-parse', 'HEAD']),
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    date: new Date().toISOString(),
  };
}

export const resultsDir = resolve(import.meta.dirname, '..', 'results');
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * A path as result files record it: relative to the repository root (with "/"), so that a
 * result reads the same on every machine and names no one's home folder; a path outside the
 * repository keeps its "../" steps (e.g. ../shared/data).
 */
export function repoPath(path: string): string {
  const absolute = isAbsolute(path) ? path : resolve(path);
  const relativePath = relative(repoRoot, absolute);
  return relativePath === '' ? '.' : relativePath.split(sep).join('/');
}

/**
 * Result files never carry the absolute path of the checkout they ran in: any string that does
 * (a writer that forgot repoPath) has the repository root cut from it.
 */
export function withoutRepoRoot(value: unknown): unknown {
  if (typeof value === 'string') return value === repoRoot ? '.' : value.split(`${repoRoot}${sep}`).join('');
  if (Array.isArray(value)) return value.map(withoutRepoRoot);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withoutRepoRoot(entry)]));
  return value;
}

/**
 * Writes `<dir>/<name>.json` (default dir: benchmarks/results; paths inside relative to the
 * repository root) and returns its path.
 */
export function writeResult(name: string, result: unknown, dir: string = resultsDir): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(withoutRepoRoot(result), null, 2)}\n`);
  return path;
}

/** Loose flag lookup, kept only for scripts not yet on parseFlags (lib/args.ts); unknown flags pass unnoticed. */
export function argValue(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}
