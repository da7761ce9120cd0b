import { randomBytes } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** One input line as it travels in a job: workers need Redis and the output folder, not the input file. */
export interface QueuedLine {
  line: number;
  text: string;
  /** Set when the input line is not valid UTF-8: the worker writes this as the line's error record. */
  invalid?: string;
}

/** What a worker needs to load the extractor for a run (relations and model must be reachable by every worker). */
export interface RunConfig {
  relations: string;
  model?: string;
  topK?: number;
  threshold?: number;
  batchSize?: number;
}

export interface ShardJob {
  runId: string;
  shard: number;
  shards: number;
  config: RunConfig;
  lines: QueuedLine[];
}

/** Cuts n items into `shards` contiguous ranges of near-equal size (never an empty shard). */
export function shardRanges(count: number, shards: number): { from: number; to: number }[] {
  const parts = Math.max(1, Math.min(shards, count));
  const ranges: { from: number; to: number }[] = [];
  for (let index = 0; index < parts; index += 1) {
    const from = Math.floor((index * count) / parts);
    const to = Math.floor(((index + 1) * count) / parts);
    if (to > from) ranges.push({ from, to });
  }
  return ranges;
}

export function shardFileName(runId: string, shard: number): string {
  return `${runId}.shard-${String(shard).padStart(5, '0')}.jsonl`;
}

/** Matches shard files (not the temporary files a killed worker may leave). */
export function parseShardFileName(name: string): { runId: string; shard: number } | null {
  const match = /^(.+)\.shard-(\d{5,})\.jsonl$/.exec(name);
  return match === null ? null : { runId: match[1] as string, shard: Number(match[2]) };
}

export const temporaryMarker = '.tmp-';

/**
 * Writes a file so that it either exists whole or not at all: write a temporary file in the same
 * folder, fsync it, rename it over the target (atomic within one file system), fsync the folder
 * so the rename itself survives a crash. A worker killed before the rename leaves only a
 * temporary file, which merge ignores.
 */
export async function writeAtomically(path: string, text: string, beforeRename?: () => Promise<void>): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}${temporaryMarker}${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await beforeRename?.();
  await rename(temporary, path);
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } catch {
    // Some file systems (network mounts) refuse fsync on a folder; the rename is still atomic.
  } finally {
    await folder.close();
  }
}
