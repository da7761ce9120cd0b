import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keepCompletedLines, prepareLine, readJsonl, readLines, type ParsedLine } from '../src/batch/index.js';
import { firstInvalidUtf8 } from '../src/batch/utf8.js';

const folder = mkdtempSync(join(tmpdir(), 'zsre-batch-jsonl-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
function write(content: string | Buffer): string {
  files += 1;
  const path = join(folder, `input-${files}.jsonl`);
  writeFileSync(path, content);
  return path;
}

async function collect<T>(lines: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

/** What `sed -n Np` prints for line N: the file split on \n only, line N without its \n. */
function sedLine(content: Buffer, n: number): Buffer {
  let start = 0;
  for (let line = 1; line < n; line += 1) start = content.indexOf(0x0a, start) + 1;
  const end = content.indexOf(0x0a, start);
  return content.subarray(start, end === -1 ? content.length : end);
}

const summary = (line: ParsedLine) => (line.ok ? [line.line, line.value] : [line.line, line.code]);

describe('readJsonl: byte-order mark, line endings, encoding', () => {
  it('skips a UTF-8 byte-order mark at the start of the file, and only there', async () => {
    const bom = '\uFEFF';
    const path = write(`${bom}{"a":1}\n${bom}{"b":2}\n{"c":3}\n`);
    expect((await collect(readJsonl(path))).map(summary)).toEqual([
      [1, { a: 1 }],
      [2, 'JSONL_PARSE'], // a BOM inside the file is a character (U+FEFF), not JSON whitespace
      [3, { c: 3 }],
    ]);
  });

  it('ends lines at \\n only: a lone \\r is data, \\r\\n endings still work, numbers match sed -n Np', async () => {
    const content = Buffer.from('{"a":1}\r\n{"b":\r2}\n{"c":3}\r{"d":4}\n\r\n{"e":5}\r\n{"f":"x\\ry"}');
    const path = write(content);
    const parsed = await collect(readJsonl(path));
    expect(parsed.map(summary)).toEqual([
      [1, { a: 1 }],
      [2, { b: 2 }], // \r is JSON whitespace, so a \r between tokens is harmless data
      [3, 'JSONL_PARSE'], // two objects joined by a lone \r are one line, and not JSON
      [5, { e: 5 }], // line 4 is "\r\n" alone: blank
      [6, { f: 'x\ry' }],
    ]);
    // The line each number names is the one sed prints (less the \r of a CRLF ending).
    const read = await collect(readLines(path));
    expect(read).toHaveLength(6);
    for (const { line, text } of read) {
      const terminated = line < read.length; // this file has no final newline
      const sed = sedLine(content, line).toString('utf8');
      expect(text).toBe(terminated ? sed.replace(/\r$/, '') : sed);
    }
    // A CR at the very end of a file without a final newline is data, not half a line ending.
    expect((await collect(readLines(write('{"a":1}\n{"b":2}\r')))).map((entry) => entry.text)).toEqual(['{"a":1}', '{"b":2}\r']);
  });

  it('reports a line that is not valid UTF-8 as JSONL_ENCODING for that line, and reads the rest', async () => {
    const content = Buffer.concat([
      Buffer.from('{"text":"Zoë met Bob 😀.","head":"Zoë","tail":"Bob"}\n{"text":"bad '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(' bytes","head":"bad","tail":"bytes"}\n{"text":"U+FFFD \uFFFD as written is fine","head":"U+FFFD","tail":"fine"}\n'),
    ]);
    const parsed = await collect(readJsonl(write(content)));
    expect(parsed.map((line) => [line.line, line.ok ? 'ok' : line.code])).toEqual([
      [1, 'ok'],
      [2, 'JSONL_ENCODING'],
      [3, 'ok'],
    ]);
    const bad = parsed[1] as Extract<ParsedLine, { ok: false }>;
    expect(bad.message).toBe('line 2 is not valid UTF-8 (byte 14 of the line, bytes ff fe 20 62): save the input as UTF-8');
    // The batch layer turns it into that line's error record, with no id (the bytes are not trusted).
    expect(prepareLine(bad)).toEqual({ line: 2, record: { line: 2, error: { code: 'JSONL_ENCODING', message: bad.message } } });
  });

  it('numbers lines right across read chunks, with multi-byte characters and bad bytes on chunk edges', async () => {
    // ~300 KB: several 64 KB chunks of the read stream; lines of varying length put 'é' (2 bytes)
    // and the bad byte at many positions relative to chunk boundaries.
    const lines: Buffer[] = [];
    for (let index = 1; index <= 3000; index += 1) {
      const text = Buffer.from(`{"n":${index},"t":"${'é'.repeat(index % 37)}${'x'.repeat(index % 11)}"}`);
      lines.push(index % 97 === 0 ? Buffer.concat([text.subarray(0, 8), Buffer.from([0xc3]), text.subarray(8)]) : text);
    }
    const parsed = await collect(readJsonl(write(Buffer.concat(lines.flatMap((line, index) => [line, Buffer.from(index % 5 === 0 ? '\r\n' : '\n')])))));
    expect(parsed).toHaveLength(3000);
    for (const [index, line] of parsed.entries()) {
      expect(line.line).toBe(index + 1);
      if ((index + 1) % 97 === 0) expect(line.ok ? 'ok' : line.code).toBe('JSONL_ENCODING');
      else expect(line.ok && (line.value as { n: number }).n).toBe(index + 1);
    }
  });
});

describe('firstInvalidUtf8', () => {
  it.each([
    ['ascii', [0x41, 0x42], -1],
    ['2-, 3- and 4-byte characters', [...Buffer.from('é€😀')], -1],
    ['a stray continuation byte', [0x41, 0x80], 1],
    ['an overlong encoding', [0xc0, 0x80], 0],
    ['an overlong 3-byte form', [0xe0, 0x80, 0x80], 0],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], 0],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a character cut short', [0x41, 0xe2, 0x82], 1],
    ['0xff', [0x41, 0x42, 0xff], 2],
  ])('%s', (_, bytes, expected) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(expected);
  });

  it("agrees with the WHATWG decoder's fatal mode on random bytes (seeded)", () => {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 3000; trial += 1) {
      // Mostly high bytes, so that all lead and continuation ranges are hit.
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () => (random() < 0.3 ? Math.floor(random() * 128) : 128 + Math.floor(random() * 128)));
      const offset = firstInvalidUtf8(bytes);
      expect(offset === -1).toBe(isUtf8(bytes)); // the fast check readLines uses first agrees
      let valid = true;
      try {
        decoder.decode(bytes);
      } catch {
        valid = false;
      }
      expect(offset === -1, `bytes ${[...bytes]}`).toBe(valid);
      if (offset > 0) expect(() => decoder.decode(bytes.subarray(0, offset))).not.toThrow();
    }
  });
});

describe('resume reads output lines as the input is read', () => {
  it('splits on \\n only and never hands over a partial last line', async () => {
    const path = write('{"line":1}\n{"line":2,"x":"a\rb"}\n{"line":3');
    const seen: string[] = [];
    const kept = await keepCompletedLines(path, (line) => {
      seen.push(line);
      return 'record';
    });
    expect(seen).toEqual(['{"line":1}', '{"line":2,"x":"a\rb"}']);
    expect(kept.removedBytes).toBe('{"line":3'.length);
    expect(readFileSync(path, 'utf8')).toBe('{"line":1}\n{"line":2,"x":"a\rb"}\n');
  });
});
