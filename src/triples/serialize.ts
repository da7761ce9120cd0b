import type { Writable } from 'node:stream';
import { Writer, type Quad } from 'n3';
import { ZsreError } from '../errors.js';
import { prefixes } from './vocabulary.js';

/** Quads as resultToQuads makes them (n3 terms); anything else is refused before n3 reads it. */
function checkQuads(quads: unknown, where: string): asserts quads is readonly Quad[] {
  const bad = Array.isArray(quads) ? quads.findIndex((entry) => typeof (entry as Partial<Quad> | null)?.subject?.termType !== 'string') : -1;
  if (!Array.isArray(quads) || bad >= 0) {
    throw new ZsreError(
      'INVALID_INPUT',
      `${where}: expected a list of quads from resultToQuads, received ${Array.isArray(quads) ? `a list whose entry ${bad} (0-based) is not a quad` : quads === null ? 'null' : typeof quads}.`,
      { context: { field: Array.isArray(quads) ? String(bad) : '(root)' } },
    );
  }
}

/** N-Triples text for some quads, one line each; all escaping is n3's. */
export function quadsToNTriples(quads: readonly Quad[]): string {
  checkQuads(quads, 'quadsToNTriples(quads)');
  if (quads.length === 0) return '';
  return new Writer({ format: 'N-Triples' }).quadsToString([...quads]);
}

/** A streaming Turtle writer (with the rdf, rdfs, xsd, wd, wdt and zsre prefixes) onto a stream. */
export function createTurtleWriter(output: Writable): { add(quads: readonly Quad[]): void; end(): Promise<void> } {
  const writer = new Writer(output, { format: 'Turtle', prefixes, end: false });
  return {
    add(quads) {
      for (const entry of quads) writer.addQuad(entry);
    },
    end() {
      return new Promise((resolve, reject) => writer.end((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Writes an async list of quads as a Turtle document into a string (for small outputs and tests). */
export async function quadsToTurtle(quads: readonly Quad[]): Promise<string> {
  checkQuads(quads, 'quadsToTurtle(quads)');
  const writer = new Writer({ format: 'Turtle', prefixes });
  writer.addQuads([...quads]);
  return new Promise((resolve, reject) => writer.end((error, result: string) => (error ? reject(error) : resolve(result))));
}

/**
 * One CSV record (RFC 4180): a field holding a comma, quote, CR or LF is quoted with inner
 * quotes doubled; records end in CRLF as the RFC asks, which spreadsheet tools also expect.
 */
export function csvRecord(fields: readonly (string | number | undefined)[]): string {
  return `${fields
    .map((field) => {
      const text = field === undefined ? '' : String(field);
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',')}\r\n`;
}
