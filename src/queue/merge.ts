import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBlank, lineId, parseLine, prepareLine, readLines, type JsonlLine, type LineEntityIds, type OutputRecord } from '../batch/index.js';
import { parseShardFileName, temporaryMarker, writeAtomically } from './shards.js';

export interface MergeOptions {
  outputDir: string;
  /** The input that was submitted: every non-blank line of it must be in the shards exactly once. */
  input: string;
  output: string;
  /** Needed only when the folder holds shards of more than one run. */
  runId?: string;
  /**
   * Writes the merged records, in input order, with the entity ids (headId/tailId) of their
   * input lines. Default: JSONL written atomically to `output`.
   */
  write?: (entries: MergedEntry[]) => Promise<void>;
}

export interface MergedEntry {
  record: OutputRecord;
  ids?: LineEntityIds;
}

export interface MergeSummary {
  runId: string;
  shards: number;
  lines: number;
  /** Temporary files left by workers that died mid-job (ignored). */
  leftovers: number;
}

/** Thrown when the shards do not (yet) cover the input: the message says which lines and what to do. */
export class IncompleteRunError extends Error {
  override readonly name = 'IncompleteRunError';
}

/**
 * Joins the shard files of a run into one JSONL output in input order, after checking that
 * every non-blank input line is there exactly once (with the same id), and writes it atomically.
 */
export async function mergeRun(options: MergeOptions): Promise<MergeSummary> {
  const names = await readdir(options.outputDir);
  const shardFiles = names.flatMap((name) => {
    const parsed = parseShardFileName(name);
    return parsed === null ? [] : [{ name, ...parsed }];
  });
  const runs = [...new Set(shardFiles.map((file) => file.runId))];
  const runId = options.runId ?? (runs.length === 1 ? runs[0] : undefined);
  if (runId === undefined) {
    throw new IncompleteRunError(
      runs.length === 0
        ? `no shard files in ${options.outputDir}: run "zsre queue work" first`
        : `${options.outputDir} holds shards of several runs (${runs.join(', ')}): pass --run-id`,
    );
  }
  const files = shardFiles.filter((file) => file.runId === runId).sort((a, b) => a.shard - b.shard);
  const records = new Map<number, { id: string | undefined; text: string; record: OutputRecord }>();
  for (const file of files) {
    const text = await readFile(join(options.outputDir, file.name), 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const record = JSON.parse(line) as OutputRecord;
      if (records.has(record.line)) throw new IncompleteRunError(`input line ${record.line} appears in two shards of ${runId}; the shard files were mixed up, rerun the submit`);
      records.set(record.line, { id: typeof record.id === 'string' ? record.id : undefined, text: line, record });
    }
  }
  const ordered: string[] = [];
  const entries: MergedEntry[] = [];
  const missing: number[] = [];
  for await (const entry of readLines(options.input)) {
    if (isBlank(entry)) continue;
    const { line, text } = entry;
    const record = records.get(line);
    if (record === undefined) {
      missing.push(line);
      continue;
    }
    const id = lineId(entry);
    if (record.id !== id) {
      throw new IncompleteRunError(`the shards of ${runId} have id ${JSON.stringify(record.id)} for input line ${line}, but ${options.input} has ${JSON.stringify(id)}: merge with the input that was submitted`);
    }
    ordered.push(record.text);
    const ids = idsOf(entry);
    entries.push(ids === undefined ? { record: record.record } : { record: record.record, ids });
    records.delete(line);
  }
  if (records.size > 0) {
    throw new IncompleteRunError(`the shards of ${runId} hold ${records.size} lines that ${options.input} does not have: merge with the input that was submitted`);
  }
  if (missing.length > 0) {
    throw new IncompleteRunError(
      `${missing.length} input lines are not in the shards of ${runId} yet (first: line ${missing[0]}); ` +
        'keep "zsre queue work" running until the queue is empty ("zsre queue status"), then merge again',
    );
  }
  if (options.write === undefined) await writeAtomically(options.output, ordered.map((line) => `${line}\n`).join(''));
  else await options.write(entries);
  return { runId, shards: files.length, lines: ordered.length, leftovers: names.filter((name) => name.includes(temporaryMarker)).length };
}

/** The entity ids of an input line, as extract reads them (for RDF output of the merge). */
function idsOf(entry: JsonlLine): LineEntityIds | undefined {
  return prepareLine(parseLine(entry)).ids;
}
