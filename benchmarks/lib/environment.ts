/** What every result file records about where and how it was produced. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface RunEnvironment {
  commit: string;
  dirty: boolean;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** the CPU features that decide which int8/fp32 kernels onnxruntime runs (from /proc/cpuinfo). */
  cpuFlags: CpuFlags;
  /** the onnxruntime-node package that ran the graphs. */
  onnxruntimeNode: string;
  /** 1, 5 and 15 minute load averages when the run started: how busy the machine was. */
  loadAverage: number[];
  date: string;
}

/**
 * A result's commit as tables show it: the short hash, and that the working tree had uncommitted
 * changes when the run started (the code that ran is then that commit plus them; a run started
 * before its change was committed says so in the commit that brought the result).
 */
export function commitLabel(environment: { commit: string; dirty?: boolean }): string {
  return `${environment.commit.slice(0, 8)}${environment.dirty === true ? ' (with uncommitted changes)' : ''}`;
}

export interface CpuFlags {
  avx2: boolean;
  avx512f: boolean;
  /** AVX-512 VNNI (vpdpbusd): the fast uint8 x int8 path. */
  avx512Vnni: boolean;
  /** AVX-VNNI (the 256-bit form on recent Intel/AMD cores). */
  avxVnni: boolean;
  /** Intel AMX tiles with int8 support. */
  amxInt8: boolean;
  /** the relevant flags as /proc/cpuinfo names them ("unknown" where it cannot be read). */
  names: string[];
}

const relevantFlags = ['avx2', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx_vnni', 'avx512_bf16', 'amx_tile', 'amx_int8', 'amx_bf16'];

export function cpuFlags(): CpuFlags {
  let present: Set<string>;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((entry) => /^flags\s*:/.test(entry)) ?? '';
    present = new Set(line.replace(/^flags\s*:/, '').trim().split(/\s+/));
  } catch {
    return { avx2: false, avx512f: false, avx512Vnni: false, avxVnni: false, amxInt8: false, names: ['unknown'] };
  }
  return {
    avx2: present.has('avx2'),
    avx512f: present.has('avx512f'),
    avx512Vnni: present.has('avx512_vnni'),
    avxVnni: present.has('avx_vnni'),
    amxInt8: present.has('amx_int8'),
    names: relevantFlags.filter((flag) => present.has(flag)),
  };
}

export function onnxruntimeNodeVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The 1, 5 and 15 minute load averages, rounded. */
export function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
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
    cpuFlags: cpuFlags(),
    onnxruntimeNode: onnxruntimeNodeVersion(),
    loadAverage: loadAverage(),
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
