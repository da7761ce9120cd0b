import { existsSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes of every command (documented in `zsre --help`). */
export const exitCodes = {
  ok: 0,
  /** Some input lines failed (each has an error record in the output); the rest were processed. */
  lineErrors: 1,
  usage: 2,
  /** The model or the relation set could not be loaded or run. */
  loadFailure: 3,
  /** The output could not be written (full disk, no permission); jsonl and ntriples runs resume on rerun. */
  outputFailure: 4,
} as const;

/** A mistake in the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs in strict mode, turning its errors into UsageError. */
export function parseCommandArgs<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing required option ${flag}`);
  return value;
}

export function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`${flag} must be a positive integer, received "${value}"`);
  return parsed;
}

export function probability(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new UsageError(`${flag} must be a number between 0 and 1, received "${value}"`);
  }
  return parsed;
}

/** A file the command reads: a missing path and a folder get their own message. */
export function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new UsageError(`${what} ${path} does not exist`);
  if (!statSync(path).isFile()) throw new UsageError(`${what} ${path} is a ${statSync(path).isDirectory() ? 'folder' : 'special file'}, not a file: give the path of a file`);
}
