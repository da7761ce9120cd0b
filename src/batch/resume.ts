import { ZsreError } from '../errors.js';
import { keepCompletedLines } from './completedLines.js';

/**
 * What an earlier, possibly killed, `zsre extract` run left in its output file. The output is
 * append-only with one record per line, written a batch per write(), so a kill can only leave a
 * partial last line; that line is cut away so the rerun appends cleanly and every input line
 * ends up in the output exactly once.
 *
 * The records are also the proof of ownership: a file zsre wrote holds nothing but records and
 * at most the start of one. Anything else (a user's JSONL, a CSV, notes) was not written by
 * zsre, so it is refused untouched rather than truncated; so is a file holding an input line
 * twice, which no single run writes and resuming could only make worse.
 */
export interface ResumeState {
  /** Input line numbers already answered, with the item id each record carried. */
  done: Map<number, string | undefined>;
  /** How many of those records are error records (they decide the exit code of a finished rerun). */
  errorLines: number;
  /** Bytes kept; the file was truncated to this length. */
  keptBytes: number;
  /** Bytes removed from the end (a partial last record). */
  removedBytes: number;
}

// JSON.stringify of an output record always starts so; a torn write leaves a prefix of a record.
const recordStart = '{"line"';

export async function prepareResume(path: string): Promise<ResumeState> {
  const done = new Map<number, string | undefined>();
  let errorLines = 0;
  let lineNumber = 0;
  const { keptBytes, removedBytes } = await keepCompletedLines(
    path,
    (text) => {
      lineNumber += 1;
      const record = parseRecord(text);
      if (record === null) throw notOurs(path, `line ${lineNumber} is not a zsre extract output record`);
      if (done.has(record.line)) throw lineTwice(path, record.line, 'results');
      done.set(record.line, record.id);
      if (record.isError) errorLines += 1;
      return 'record';
    },
    (partial) => {
      const start = partial.slice(0, recordStart.length);
      if (!recordStart.startsWith(start)) throw notOurs(path, `its last line (no newline after it) is not the start of a zsre extract record`);
    },
  );
  return { done, errorLines, keptBytes, removedBytes };
}

/** The refusal of an existing output that zsre did not write; nothing in it has been changed. */
export function notOurs(path: string, why: string): ZsreError {
  return new ZsreError(
    'OUTPUT_CONFLICT',
    `${path} exists but was not written by zsre extract (${why}), so it is left untouched: pass a new --output, ` +
      'or --overwrite to replace it',
    { context: { path } },
  );
}

/** The refusal of an output that holds an input line twice (two runs wrote to it at once, or files were joined). */
export function lineTwice(path: string, line: number, what: string): ZsreError {
  return new ZsreError(
    'OUTPUT_CONFLICT',
    `${path} holds ${what} for input line ${line} twice, so resuming it cannot give every line exactly once: ` +
      'pass --overwrite to redo it from scratch, or a new --output',
    { context: { path, line } },
  );
}

/** An output record is `{line: n, ...}` with a result, a document or an error. */
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
