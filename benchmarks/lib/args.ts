/**
 * Strict command-line flags for the benchmark scripts (node's util.parseArgs): an unknown flag,
 * a flag without its value or a bad number stops the script with its usage and exit code 2,
 * instead of running a benchmark that silently ignored what was asked.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Flags<T extends Options> {
  values: ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'];
  /** Stops with the usage and exit code 2, naming what was wrong. */
  fail(message: string): never;
  /** A positive integer flag, or the default; anything else fails. */
  positiveInteger(flag: string & keyof T, fallback: number): number;
  positiveInteger(flag: string & keyof T): number | undefined;
  /** One of the given words, or the default. */
  choice<C extends string>(flag: string & keyof T, choices: readonly C[], fallback: C): C;
  /** A required string flag. */
  required(flag: string & keyof T): string;
}

export function parseFlags<T extends Options>(usage: string, options: T, args: string[] = process.argv.slice(2)): Flags<T> {
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n\n${usage.trim()}\n`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | undefined> = {};
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    fail((error as Error).message);
  }
  const text = (flag: string): string | undefined => {
    const value = values[flag];
    return typeof value === 'string' ? value : undefined;
  };
  function positiveInteger(flag: string, fallback?: number): number | undefined {
    const value = text(flag);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 1) fail(`--${flag} must be a positive integer, received "${value}"`);
    return parsed;
  }
  return {
    values: values as Flags<T>['values'],
    fail,
    positiveInteger: positiveInteger as Flags<T>['positiveInteger'],
    choice(flag, choices, fallback) {
      const value = text(flag);
      if (value === undefined) return fallback;
      const found = choices.find((choice) => choice === value);
      return found ?? fail(`--${flag} must be one of ${choices.join(', ')}, received "${value}"`);
    },
    required(flag) {
      const value = text(flag);
      return value === undefined || value === '' ? fail(`missing required flag --${flag}`) : value;
    },
  };
}
