import { keepCompletedLines } from './completedLines.js';

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

export async function prepareResume(path: string): Promise<ResumeState> {
  const done = new Map<number, string | undefined>();
  let errorLines = 0;
  const { keptBytes, removedBytes } = await keepCompletedLines(path, (text) => {
    const record = parseRecord(text);
    if (record === null) return 'stop';
    done.set(record.line, record.id);
    if (record.isError) errorLines += 1;
    return 'record';
  });
  return { done, errorLines, keptBytes, removedBytes };
}

/** An output record is `{line: n, ...}` with a result, a document or an error; anything else ends the valid prefix. */
function parseRecord(text: string): { line: number; id: string | undefined; isError: boolean } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as { line?: unknown; id?: unknown; result?: unknown; document?: unknown; error?: unknown };
  if (typeof record.line !== 'number' || !Number.isInteger(record.line) || record.line < 1) return null;
  if (record.result === undefined && record.document === undefined && record.error === undefined) return null;
  return { line: record.line, id: typeof record.id === 'string' ? record.id : undefined, isError: record.error !== undefined };
}
