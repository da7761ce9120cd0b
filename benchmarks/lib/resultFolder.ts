/**
 * The JSON result files of one benchmark folder under benchmarks/results/, for the report modules:
 * every `*.json` there (optionally only names starting with `prefix`), in file-name order, kept
 * where `keep` says the file is that benchmark's (a folder may hold other benchmarks' files).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readResultFolder<T>(resultsDir: string, folder: string, keep: (value: unknown) => value is T, prefix = ''): T[] {
  const dir = join(resultsDir, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.startsWith(prefix) && file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown)
    .filter(keep);
}

/** A `keep` for readResultFolder: objects whose `benchmark` field is `name`. */
export const benchmarkNamed =
  <T>(name: string) =>
  (value: unknown): value is T =>
    typeof value === 'object' && value !== null && (value as { benchmark?: unknown }).benchmark === name;
