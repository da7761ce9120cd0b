import { stat, truncate } from 'node:fs/promises';
import { readByteLines } from './byteLines.js';

/**
 * What a line handed to {@link keepCompletedLines} is:
 * - `'record'`: keep it; the kept prefix now ends after this line.
 * - `'other'`: keep it only if a later line is a record (a line between records).
 * - `'stop'`: the valid prefix ended before this line; nothing from here on is read or kept.
 */
export type LineVerdict = 'record' | 'other' | 'stop';

export interface KeptLines {
  /** Bytes kept: the end of the last line answered `'record'`; the file was truncated to this length. */
  keptBytes: number;
  /** Bytes removed from the end (a partial last line, and whatever followed the last record). */
  removedBytes: number;
}

/**
 * Streams an append-only, line-oriented file and hands each complete (`\n`-terminated) line,
 * without its newline, to `onLine`. A partial last line is never handed over. The file is then
 * truncated after the last line answered `'record'`; `onLine` or `onPartial` (the unterminated
 * last line, if any) may throw to refuse the file, and then nothing is truncated. A missing file is an empty one (nothing to
 * keep, nothing removed, `onLine` never called). Lines are split as the input is
 * ({@link readByteLines}), so the two can never disagree on what a line is.
 */
export async function keepCompletedLines(
  path: string,
  onLine: (line: string) => LineVerdict,
  onPartial?: (line: string) => void,
): Promise<KeptLines> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { keptBytes: 0, removedBytes: 0 };
    throw error;
  }
  let keptBytes = 0;
  let offset = 0;
  for await (const { bytes, terminated } of readByteLines(path)) {
    if (!terminated) {
      // The caller may throw here to refuse a file whose unterminated tail it would not have
      // written: nothing is truncated before the whole file has been judged.
      onPartial?.(bytes.toString('utf8'));
      break;
    }
    const verdict = onLine(bytes.toString('utf8'));
    if (verdict === 'stop') break;
    offset += bytes.length + 1;
    if (verdict === 'record') keptBytes = offset;
  }
  if (keptBytes < size) await truncate(path, keptBytes);
  return { keptBytes, removedBytes: size - keptBytes };
}
