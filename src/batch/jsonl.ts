import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface JsonlLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line's text without its line ending. */
  text: string;
}

/**
 * Streams a text file line by line with 1-based line numbers, never holding the whole file in
 * memory. CRLF endings are handled by readline; a final line without a newline is still yielded.
 */
export async function* readLines(path: string): AsyncGenerator<JsonlLine> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      yield { line, text };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

export type ParsedLine = { line: number; ok: true; value: unknown } | { line: number; ok: false; message: string };

/** Streams the non-blank lines of a JSONL file, each parsed or carrying its parse error. */
export async function* readJsonl(path: string): AsyncGenerator<ParsedLine> {
  for await (const { line, text } of readLines(path)) {
    if (text.trim() === '') continue;
    try {
      yield { line, ok: true, value: JSON.parse(text) as unknown };
    } catch (error) {
      yield { line, ok: false, message: (error as Error).message };
    }
  }
}
