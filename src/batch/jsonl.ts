import { isUtf8 } from 'node:buffer';
import { readByteLines } from './byteLines.js';
import { firstInvalidUtf8 } from './utf8.js';

export type JsonlLine =
  /** 1-based line number (lines end at `\n`), and the line's text without its `\n` or `\r\n`. */
  | { line: number; text: string; invalid?: undefined }
  /**
   * A line that is not valid UTF-8: `invalid` says where; `text` is the lossy decoding (U+FFFD
   * for the bad bytes), for reading an id, never for answering.
   */
  | { line: number; text: string; invalid: string };

const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Streams a UTF-8 text file line by line with 1-based line numbers that match `sed -n Np`:
 * lines end at `\n` only, a `\r` just before it belongs to the line ending (CRLF files), a lone
 * `\r` is data. A byte-order mark at the start of the file is skipped. A final line without a
 * newline is still yielded. The whole file is never held in memory.
 */
export async function* readLines(path: string): AsyncGenerator<JsonlLine> {
  let line = 0;
  for await (const { bytes, terminated } of readByteLines(path)) {
    line += 1;
    let content = line === 1 && bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes;
    // CR LF ends a line; a CR with no LF after it (even at the very end of the file) is data.
    if (terminated && content.length > 0 && content[content.length - 1] === CR) content = content.subarray(0, -1);
    const text = content.toString('utf8');
    // isUtf8 is native and fast; the byte scan that says where runs only on a bad line.
    const bad = isUtf8(content) ? -1 : firstInvalidUtf8(content);
    if (bad === -1) yield { line, text };
    else {
      const shown = [...content.subarray(bad, bad + 4)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
      yield { line, text, invalid: `line ${line} is not valid UTF-8 (byte ${bad + 1} of the line, bytes ${shown}): save the input as UTF-8` };
    }
  }
}

export type ParsedLine =
  | { line: number; ok: true; value: unknown }
  | { line: number; ok: false; message: string; code: 'JSONL_PARSE' | 'JSONL_ENCODING' };

/** Streams the non-blank lines of a JSONL file, each parsed or carrying why it could not be. */
export async function* readJsonl(path: string): AsyncGenerator<ParsedLine> {
  for await (const entry of readLines(path)) {
    if (isBlank(entry)) continue;
    yield parseLine(entry);
  }
}

/** Blank lines are skipped by every reader of input (extract, submit, merge) alike. */
export function isBlank(entry: JsonlLine): boolean {
  return entry.invalid === undefined && entry.text.trim() === '';
}

/** One line of JSONL parsed, or why not: not UTF-8 (JSONL_ENCODING) or not JSON (JSONL_PARSE). */
export function parseLine(entry: JsonlLine): ParsedLine {
  if (entry.invalid !== undefined) return { line: entry.line, ok: false, code: 'JSONL_ENCODING', message: entry.invalid };
  try {
    return { line: entry.line, ok: true, value: JSON.parse(entry.text) as unknown };
  } catch (error) {
    return { line: entry.line, ok: false, code: 'JSONL_PARSE', message: `malformed JSON at line ${entry.line}: ${(error as Error).message}` };
  }
}
