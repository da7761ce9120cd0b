import { createReadStream } from 'node:fs';

const NEWLINE = 0x0a;

export interface ByteLine {
  /** The line's bytes without its `\n` (a `\r` before it is kept: callers decide what it means). */
  bytes: Buffer;
  /** False only for a last line that has no `\n` after it (a partial line, or a file without a final newline). */
  terminated: boolean;
}

/**
 * Streams a file as lines of bytes split on `\n` only, the way `wc -l` and `sed -n Np` count
 * them, without holding the whole file in memory. Splitting bytes rather than decoded text keeps
 * the line structure exact whatever the encoding problems inside a line, and lets the resume
 * code count bytes. Input JSONL, output resume and N-Triples resume all split lines here.
 */
export async function* readByteLines(path: string): AsyncGenerator<ByteLine> {
  const stream = createReadStream(path);
  let pending: Buffer[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
        pending.push(chunk.subarray(start, index));
        const bytes = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
        pending = [];
        yield { bytes, terminated: true };
        start = index + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
    if (pending.length > 0) yield { bytes: Buffer.concat(pending), terminated: false };
  } finally {
    stream.destroy();
  }
}
