import { createWriteStream, existsSync } from 'node:fs';
import { open, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Quad } from 'n3';
import { createTurtleWriter, csvRecord, quadsToNTriples, relationIri, resultToQuads, type EntityIds } from '../triples/index.js';
import { UsageError } from './args.js';
import { JsonlAppender } from './output.js';
import { outputWriteError } from './outputErrors.js';
import { lineMarker, notOurs, prepareResume, scanLineMarkers, type OutputRecord, type ResumeState } from '../batch/index.js';
import type { ExtractResult } from '../schemas.js';

export const outputFormats = ['jsonl', 'csv', 'ntriples', 'turtle'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** A record with the entity ids its input line carried (headId/tailId), which RDF output uses. */
export interface SinkEntry {
  record: OutputRecord;
  ids?: EntityIds;
}

export interface OutputSink {
  write(entries: readonly SinkEntry[]): Promise<void>;
  /** Finishes the output (for whole-file formats: moves it into place). */
  close(): Promise<void>;
  /** Stops after a failure or Ctrl-C: appendable formats keep what was written, whole-file ones discard it. */
  abort(): Promise<void>;
}

export interface OutputTarget {
  /** Whether a killed or interrupted run can be continued by rerunning the command. */
  resumable: boolean;
  resume: ResumeState;
  open(): Promise<OutputSink>;
}

export interface TargetOptions {
  overwrite: boolean;
  baseIri: string;
}

/**
 * jsonl and ntriples are appended to batch by batch and resumed from what a killed run left;
 * csv and turtle are written whole to a temporary file beside the output and renamed into place
 * at the end, so they are never half-written, but also not resumable (see docs/knowledge-graphs.md).
 */
export async function prepareTarget(format: OutputFormat, path: string, options: TargetOptions): Promise<OutputTarget> {
  if (format === 'jsonl' || format === 'ntriples') {
    if (options.overwrite && existsSync(path)) await truncate(path, 0).catch((error: unknown) => Promise.reject(outputWriteError(error, path, true)));
    if (format === 'ntriples') await checkNTriplesOwner(path);
    const resume = format === 'jsonl' ? await prepareResume(path) : await scanLineMarkers(path);
    return {
      resumable: true,
      resume,
      open: () => guarded(path, true, () => (format === 'jsonl' ? openJsonl(path) : openNTriples(path, resume.keptBytes === 0, options.baseIri))),
    };
  }
  if (existsSync(path) && !options.overwrite) {
    throw new UsageError(
      `${path} exists and --format ${format} output is written whole, so it cannot be resumed: pass --overwrite to replace it, ` +
        'or use --format ntriples (valid Turtle too) or jsonl for runs that resume after a kill',
    );
  }
  return {
    resumable: false,
    resume: { done: new Map(), errorLines: 0, keptBytes: 0, removedBytes: 0 },
    open: () => guarded(path, false, () => (format === 'csv' ? openCsv(path, options.baseIri) : openTurtle(path, options.baseIri))),
  };
}

/** Opens a sink whose every failure to write (full disk, permissions) becomes an OUTPUT_WRITE error. */
async function guarded(path: string, resumable: boolean, open: () => Promise<OutputSink>): Promise<OutputSink> {
  const mapped = <T>(promise: Promise<T>): Promise<T> => promise.catch((error: unknown) => Promise.reject(outputWriteError(error, path, resumable)));
  const sink = await mapped(open());
  return {
    write: (entries) => mapped(sink.write(entries)),
    close: () => mapped(sink.close()),
    abort: () => mapped(sink.abort()),
  };
}

async function openJsonl(path: string): Promise<OutputSink> {
  const writer = await JsonlAppender.open(path);
  return {
    write: (entries) => writer.writeRecords(entries.map((entry) => entry.record)),
    close: () => writer.close(),
    abort: () => writer.close(),
  };
}

function quadsOf(entry: SinkEntry, baseIri: string): Quad[] {
  const { record } = entry;
  const common = { baseIri, line: record.line, ...(record.id === undefined ? {} : { sourceId: record.id }) };
  if ('result' in record) {
    return resultToQuads(record.result, { ...common, key: `l${record.line}`, ...(entry.ids === undefined ? {} : { ids: entry.ids }) });
  }
  if ('document' in record) {
    // One blank node per entity of the document, shared by every triple that names it.
    const { entities, triples } = record.document;
    const entityKey = (span: { start: number; end: number }) => `l${record.line}e${entities.findIndex((entity) => entity.start === span.start && entity.end === span.end)}`;
    return triples.flatMap((triple, index) =>
      resultToQuads(triple, { ...common, key: `l${record.line}r${index}`, entityKeys: { head: entityKey(triple.head), tail: entityKey(triple.tail) } }),
    );
  }
  return [];
}

const nTriplesHeader = '# zsre extract output (N-Triples). A "# zsre-line" comment follows the triples of each input line; rerun to resume.\n';

/**
 * Resuming cuts everything after the last line marker; on an N-Triples file that some other tool
 * wrote that would be everything, so a file that does not start with our header is refused.
 */
async function checkNTriplesOwner(path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const expected = Buffer.from(nTriplesHeader);
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(expected.length), 0, expected.length, 0);
    // Empty, or a header cut short by a kill: ours.
    if (!buffer.subarray(0, bytesRead).equals(expected.subarray(0, bytesRead))) {
      throw notOurs(path, 'it does not start with the header that zsre extract --format ntriples writes');
    }
  } finally {
    await handle.close();
  }
}

async function openNTriples(path: string, fresh: boolean, baseIri: string): Promise<OutputSink> {
  const handle = await open(path, 'a');
  if (fresh) await handle.write(nTriplesHeader);
  return {
    // One write() per batch, markers after each line's triples: a kill leaves at most a partial
    // batch past the last marker, which the next run cuts away.
    async write(entries) {
      const text = entries
        .map(({ record, ids }) => {
          const marker = lineMarker({
            line: record.line,
            ...(record.id === undefined ? {} : { id: record.id }),
            ...('error' in record ? { error: record.error.code } : {}),
          });
          return quadsToNTriples(quadsOf({ record, ...(ids === undefined ? {} : { ids }) }, baseIri)) + marker;
        })
        .join('');
      await handle.write(text);
    },
    close: () => closeHandle(handle),
    abort: () => closeHandle(handle),
  };
}

async function closeHandle(handle: FileHandle): Promise<void> {
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
}

const csvHeader = [
  'line', 'id', 'head', 'head_start', 'head_end', 'head_id', 'tail', 'tail_start', 'tail_end', 'tail_id',
  'relation_id', 'relation_name', 'relation_iri', 'probability', 'error_code', 'error_message',
];

function csvRow(record: { line: number; id?: string }, found: Pick<ExtractResult, 'head' | 'tail' | 'relation'>, ids: EntityIds | undefined, baseIri: string): string {
  const { head, tail, relation } = found;
  return csvRecord([
    record.line, record.id,
    head.text, head.start, head.end, ids?.head,
    tail.text, tail.start, tail.end, ids?.tail,
    relation?.id, relation?.name, relation === null ? undefined : relationIri(relation.id, baseIri).value,
    relation?.probability, undefined, undefined,
  ]);
}

async function openCsv(path: string, baseIri: string): Promise<OutputSink> {
  const temporary = temporaryPath(path);
  const handle = await open(temporary, 'w');
  await handle.write(csvRecord(csvHeader));
  return {
    async write(entries) {
      const rows = entries.flatMap(({ record, ids }) => {
        if ('error' in record) return [csvRecord([record.line, record.id, ...Array<undefined>(12).fill(undefined), record.error.code, record.error.message])];
        if ('result' in record) return [csvRow(record, record.result, ids, baseIri)];
        // A document gives one row per triple, or one row without a relation when it has none, so every line shows.
        const { triples } = record.document;
        if (triples.length === 0) return [csvRecord([record.line, record.id, ...Array<undefined>(14).fill(undefined)])];
        return triples.map((triple) => csvRow(record, triple, undefined, baseIri));
      });
      await handle.write(rows.join(''));
    },
    async close() {
      try {
        await closeHandle(handle);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      await rename(temporary, path);
    },
    async abort() {
      try {
        await handle.close();
      } finally {
        await rm(temporary, { force: true });
      }
    },
  };
}

async function openTurtle(path: string, baseIri: string): Promise<OutputSink> {
  const temporary = temporaryPath(path);
  const stream = createWriteStream(temporary);
  // A failed write (full disk) surfaces from end(); without a listener it would crash the process.
  let failure: Error | null = null;
  stream.on('error', (error) => (failure ??= error));
  await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  const writer = createTurtleWriter(stream);
  const finished = () =>
    new Promise<void>((resolve, reject) => {
      if (failure !== null) return reject(failure);
      stream.once('error', reject);
      stream.end((error?: Error | null) => (error ? reject(error) : failure !== null ? reject(failure) : resolve()));
    });
  return {
    async write(entries) {
      for (const entry of entries) writer.add(quadsOf(entry, baseIri));
    },
    async close() {
      try {
        await writer.end();
        await finished();
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      await rename(temporary, path);
    },
    async abort() {
      try {
        await finished();
      } finally {
        await rm(temporary, { force: true });
      }
    },
  };
}
