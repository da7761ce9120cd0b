import { createReadStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';

/**
 * What an earlier, possibly killed, `zsre extract` run left in its output file. The output is
 * append-only with one record per line, so a kill can only leave a partial last line; that
 * line (and, defensively, anything after the first line that is not a record) is cut away so
 * the rerun appends cleanly and every input line ends up in the output exactly once.
 */
export interface ResumeState {
  /** Input line numbers already answered, with the item id each record carried. */
  done: Map<number, string | undefined>;
  /** How many of those records are error records (they decide the exit code of a finished rerun). */
  errorLines: number;
  /** Bytes kept; the file was truncated to this length. */
  keptBytes: number;
  /** Bytes removed from the end (a partial or unreadable tail). */
  removedBytes: number;
}

const NEWLINE = 0x0a;

export async function prepareResume(path: string): Promise<ResumeState> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { done: new Map(), errorLines: 0, keptBytes: 0, removedBytes: 0 };
    throw error;
  }
  const done = new Map<number, string | undefined>();
  let keptBytes = 0;
  let errorLines = 0;
  let offset = 0;
  let pending: Buffer[] = [];
  let stopped = false;

  const stream = createReadStream(path);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
        pending.push(chunk.subarray(start, index));
        const lineBytes = Buffer.concat(pending);
        pending = [];
        const record = parseRecord(lineBytes.toString('utf8'));
        if (record === null) {
          stopped = true;
          break;
        }
        done.set(record.line, record.id);
        if (record.isError) errorLines += 1;
        offset += lineBytes.length + 1;
        keptBytes = offset;
        start = index + 1;
      }
      if (stopped) break;
      pending.push(chunk.subarray(start));
    }
  } finally {
    stream.destroy();
  }
  if (keptBytes < size) await truncate(path, keptBytes);
  return { done, errorLines, keptBytes, removedBytes: size - keptBytes };
}

/** An output record is `{line: n, ...}` with a result or an error; anything else ends the valid prefix. */
function parseRecord(text: string): { line: number; id: string | undefined; isError: boolean } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as { line?: unknown; id?: unknown; result?: unknown; error?: unknown };
  if (typeof record.line !== 'number' || !Number.isInteger(record.line) || record.line < 1) return null;
  if (record.result === undefined && record.error === undefined) return null;
  return { line: record.line, id: typeof record.id === 'string' ? record.id : undefined, isError: record.error !== undefined };
}
