import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkBaseIri, defaultBaseIri } from '../triples/index.js';
import { exitCodes, parseCommandArgs, positiveInteger, probability, requireFile, requireOption, UsageError } from './args.js';
import { isBlank, lineId, openCalibration, openExtractor, openNoneExamples, openWorkerPool, prepareLine, readJsonl, readLines, runBatch, type BatchRunner, type PreparedLine, type ResumeState } from '../batch/index.js';
import { lockOutput, removeStalePartials } from './outputLock.js';
import { createProgress, labelIndexProgress } from './progress.js';
import { outputFormats, prepareTarget, type OutputFormat, type OutputSink } from './sinks.js';

export const extractHelp = `Usage: zsre extract --relations FILE|wikidata --input IN.jsonl --output OUT.jsonl [options]

Classifies the relation between head and tail of every line of IN.jsonl and writes one line per
input line to OUT.jsonl, in input order.

Input lines: {"text": "...", "head": ENTITY, "tail": ENTITY, "id"?: "..."} or
  {"tokens": [...], "head": [i, ...], "tail": [j, ...], "id"?: "..."} where ENTITY is a string in the
  text, {"text": "...", "occurrence": n} or {"start": s, "end": e}. Other top-level fields are
  passed over (carry a gold label or a source as you like), except one that looks like a misspelt
  field ("headid", "maxTokenDist"): that line gets an INVALID_INPUT error. Blank lines are skipped. UTF-8, with or without a byte-order mark; lines end at LF
  (CRLF too), so line n is what "sed -n np" prints (a lone CR is part of the line). A line that is
  not valid UTF-8 gets a JSONL_ENCODING error record.
  Optional "headId"/"tailId" fields (a Wikidata QID such as Q42, an IRI, or any id) name the
  entities in RDF output.
Document lines: {"text": "...", "entities"?: [ENTITY, ...], "id"?: "...", "maxTokenDistance"?: n,
  "directions"?: "both"|"forward", "pairs"?: "sentence"|"window"|"all", "windowSentences"?: n}:
  every pair of entities of the same sentence ("window": also up to windowSentences apart, default
  1; "all": any distance) within n words (default 40) is classified, and every triple found is written. Without "entities", people, places and
  organisations are found by a rule-based tagger (rough: pass your own entities when it matters).
Output (--format jsonl, the default): {"line": n, "id"?: "...", "result": {...}}, for a document
  {"line": n, "id"?: "...", "document": {"entities": [...], "triples": [...]}}, or, for a bad line,
  {"line": n, "id"?: "...", "error": {"code": "...", "message": "..."}}; n is the 1-based input line.
  --format ntriples|turtle: RDF, one triple per relation found, with an rdf:Statement carrying
  zsre:probability (xsd:decimal), source line and rdfs:label (docs/knowledge-graphs.md).
  Wikidata relation ids (P26) become wdt: properties, others IRIs under --base-iri.
  --format csv: one row per input line, or per triple of a document (header: line,id,head,...,
  relation_id,probability,...).

Resume (jsonl and ntriples): if OUT exists (say, the last run was killed), lines already in it are
  skipped, a partial last batch is cut away, and the rest is appended, so every input line appears
  exactly once. Resuming assumes the same input, --relations, --model, --calibration and
  --none-examples (an output whose line numbers or ids do not match the input is refused); after
  changing them, pass --overwrite.
  Only a file zsre wrote is resumed: any other existing OUT (your own JSONL, a CSV, notes), or one
  holding an input line twice, is refused untouched; --overwrite replaces it.
  csv and turtle are written whole to a temporary file and renamed at the end: never half-written,
  not resumable; an existing OUT is refused without --overwrite.
  One run per OUT: a lock file .OUT.zsre-lock beside it refuses a second run while the first is
  alive; a killed run's lock and temporary files are cleared by the next run.

Options:
  --relations FILE|wikidata  relation set: .json or .jsonl file, or a built-in set: "wikidata"
                             (11,665 properties) or "wikidata-no-ids" (3,400: no identifiers)
  --input FILE               input JSONL
  --output FILE              output file (appended to when it exists; see Resume)
  --format F                 jsonl (default), ntriples, turtle or csv
  --base-iri IRI             base for minted relation and entity IRIs (default urn:zsre:)
  --workers N                worker threads, each with its own model copy (default 1: no pool)
  --threads-per-worker N     onnxruntime threads per worker with --workers (default 1)
  --model DIR                model directory (default: the bundled default model)
  --top-k N                  candidates re-scored by the cross-encoder (default: from the model)
  --threshold X              probability below which the answer is "no relation" (0..1)
  --calibration NAME|FILE    a "no relation" calibration: a name the model carries, "documents"
                             (the shipped model) for knowledge-graph extraction from text where
                             most pairs hold none of the Wikidata relations (it turns away
                             relations outside the 96 DocRED ones; README, "No relation"); or a
                             .json file fitted on your own labelled pairs by zsre calibrate
  --none-examples FILE       sentences whose pair holds none of the relations (.json array or
                             .jsonl, one {"text", "head", "tail"} per line): they sharpen
                             "no relation" for the relations taught by examples
  --batch-size N             sentences per model call and per output write (default 32)
  --overwrite                start from scratch instead of resuming
  -h, --help                 show this help

Exit codes: 0 all lines ok; 1 some lines had errors (see their error records and stderr),
  the others were processed; 2 usage error, or an output that may not be written (OUTPUT_LOCKED:
  another run is writing it; OUTPUT_CONFLICT: a file zsre did not write, or one holding a line
  twice); 3 the model or the relation set failed to load or run; 4 the output could not be
  written (OUTPUT_WRITE: full disk, no permission; free space and rerun to resume);
  130 interrupted (Ctrl-C) after finishing the batch in progress: rerun to resume.
`;

const options = {
  relations: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  model: { type: 'string' },
  'top-k': { type: 'string' },
  threshold: { type: 'string' },
  'none-examples': { type: 'string' },
  calibration: { type: 'string' },
  'batch-size': { type: 'string' },
  format: { type: 'string' },
  'base-iri': { type: 'string' },
  workers: { type: 'string' },
  'threads-per-worker': { type: 'string' },
  overwrite: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runExtract(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, options);
  if (values.help === true) {
    process.stdout.write(extractHelp);
    return exitCodes.ok;
  }
  const relations = requireOption(values.relations, '--relations');
  const input = requireOption(values.input, '--input');
  const output = requireOption(values.output, '--output');
  const topK = positiveInteger(values['top-k'], '--top-k');
  const threshold = probability(values.threshold, '--threshold');
  const batchSize = positiveInteger(values['batch-size'], '--batch-size') ?? 32;
  const format = outputFormat(values.format);
  const baseIri = values['base-iri'] ?? defaultBaseIri;
  try {
    checkBaseIri(baseIri);
  } catch (error) {
    throw new UsageError(`--base-iri: ${(error as Error).message}`);
  }
  const workers = positiveInteger(values.workers, '--workers') ?? 1;
  const threadsPerWorker = positiveInteger(values['threads-per-worker'], '--threads-per-worker');
  if (threadsPerWorker !== undefined && workers === 1 && values.workers === undefined) {
    throw new UsageError('--threads-per-worker needs --workers N');
  }
  requireFile(input, 'input file');
  const noneExamplesFile = values['none-examples'];
  if (noneExamplesFile !== undefined) requireFile(noneExamplesFile, '--none-examples file');
  if (resolve(input) === resolve(output)) throw new UsageError('--output must differ from --input');
  if (!existsSync(dirname(resolve(output)))) throw new UsageError(`the folder of --output ${output} does not exist; create it first`);
  if (existsSync(output) && statSync(output).isDirectory()) {
    throw new UsageError(`--output ${output} is a directory: name a file, such as ${join(output, `out.${format === 'ntriples' ? 'nt' : format === 'turtle' ? 'ttl' : format}`)}`);
  }

  // Held from before the output is read until the run ends, so no second run reads or appends meanwhile.
  const lock = await lockOutput(resolve(output));
  try {
    const removed = await removeStalePartials(resolve(output));
    if (removed > 0) process.stderr.write(`zsre: removed ${removed} temporary file(s) left beside ${output} by killed runs\n`);
    return await extractLocked({ values, relations, input, output, topK, threshold, batchSize, format, baseIri, workers, threadsPerWorker });
  } finally {
    await lock.release();
  }
}

interface ExtractSettings {
  values: { model?: string | undefined; workers?: string | undefined; overwrite?: boolean | undefined; 'none-examples'?: string | undefined; calibration?: string | undefined };
  relations: string;
  input: string;
  output: string;
  topK: number | undefined;
  threshold: number | undefined;
  batchSize: number;
  format: OutputFormat;
  baseIri: string;
  workers: number;
  threadsPerWorker: number | undefined;
}

async function extractLocked(settings: ExtractSettings): Promise<number> {
  const { values, relations, input, output, topK, threshold, batchSize, format, baseIri, workers, threadsPerWorker } = settings;
  const target = await prepareTarget(format, output, { overwrite: values.overwrite === true, baseIri });
  const { resume } = target;
  if (resume.removedBytes > 0) process.stderr.write(`zsre: cut ${resume.removedBytes} bytes of partial output from the end of ${output}\n`);
  if (resume.done.size > 0) process.stderr.write(`zsre: resuming: ${resume.done.size} lines already in ${output}\n`);

  const total = await countRemaining(input, output, resume);
  if (total === 0) {
    process.stderr.write(
      resume.done.size === 0 ? `zsre: nothing to do: ${input} holds no input lines (no output written)\n` : `zsre: nothing to do: every line of ${input} is already in ${output}\n`,
    );
    return resume.errorLines > 0 ? exitCodes.lineErrors : exitCodes.ok;
  }

  const noneExamplesFile = values['none-examples'];
  const noneExamples = noneExamplesFile === undefined ? undefined : await openNoneExamples(noneExamplesFile);
  const extractorOptions = {
    relations,
    ...(noneExamples === undefined ? {} : { noneExamples }),
    ...(values.calibration === undefined ? {} : { calibration: await openCalibration(values.calibration) }),
    ...(values.model === undefined ? {} : { model: values.model }),
    ...(topK === undefined ? {} : { topK }),
    ...(threshold === undefined ? {} : { threshold }),
    batchSize,
  };
  const extractor: BatchRunner & { dispose(): Promise<void> } =
    workers > 1 || values.workers !== undefined
      ? await openWorkerPool({ ...extractorOptions, workers, ...(threadsPerWorker === undefined ? {} : { threadsPerWorker }) })
      : await openExtractor({ ...extractorOptions, onProgress: labelIndexProgress() });
  // With a pool, one flush hands every worker a full batch.
  const flushSize = batchSize * workers;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  let writer: OutputSink;
  try {
    writer = await target.open();
  } catch (error) {
    await extractor.dispose();
    throw error;
  }
  process.once('SIGINT', onSigint);
  const progress = createProgress({ total, label: 'extract' });
  const started = performance.now();
  let errors = 0;
  let written = 0;
  let failed = true;
  try {
    let pending: PreparedLine[] = [];
    let runnable = 0;
    const flush = async () => {
      const records = await runBatch(extractor, pending);
      await writer.write(records.map((record, index) => ({ record, ...ids(pending[index]) })));
      for (const record of records) {
        if ('error' in record) {
          errors += 1;
          progress.log(`zsre: line ${record.line}: ${record.error.code}: ${record.error.message}`);
        }
      }
      written += records.length;
      progress.advance(records.length);
      pending = [];
      runnable = 0;
    };
    for await (const parsed of readJsonl(input)) {
      if (resume.done.has(parsed.line)) continue;
      const prepared = prepareLine(parsed);
      pending.push(prepared);
      if ('item' in prepared || 'document' in prepared) runnable += 1;
      if (runnable >= flushSize || pending.length >= 4 * flushSize) {
        await flush();
        if (interrupted) break;
      }
    }
    if (!interrupted && pending.length > 0) await flush();
    failed = false;
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress.finish();
    // Whole-file formats (csv, turtle) keep nothing of a failed or interrupted run.
    if (failed || (interrupted && !target.resumable)) await writer.abort();
    else await writer.close();
    await extractor.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `zsre: wrote ${written} lines (${errors} with errors) to ${output} in ${seconds.toFixed(1)}s` +
      ` (${(written / Math.max(seconds, 1e-9)).toFixed(1)} lines/s)\n`,
  );
  if (interrupted) {
    process.stderr.write(
      target.resumable
        ? 'zsre: interrupted; rerun the same command to process the remaining lines\n'
        : `zsre: interrupted; --format ${format} is written whole, so nothing was kept: rerun the command\n`,
    );
    return 130;
  }
  return errors + resume.errorLines > 0 ? exitCodes.lineErrors : exitCodes.ok;
}

function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return 'jsonl';
  const found = outputFormats.find((format) => format === value);
  if (found === undefined) throw new UsageError(`--format must be one of ${outputFormats.join(', ')}, received "${value}"`);
  return found;
}

function ids(line: PreparedLine | undefined): { ids?: { head?: string; tail?: string } } {
  return line?.ids === undefined ? {} : { ids: line.ids };
}

/**
 * One streaming pass over the input, before any model is loaded: counts the non-blank lines not
 * yet in the output, and refuses an output that was written for another input (a record past the
 * input's last line, or one whose id differs from its input line's id).
 */
async function countRemaining(input: string, output: string, resume: ResumeState): Promise<number> {
  let remaining = 0;
  let lastLine = 0;
  for await (const entry of readLines(input)) {
    const { line } = entry;
    lastLine = line;
    if (isBlank(entry)) continue;
    if (!resume.done.has(line)) remaining += 1;
    else checkSameInput(line, resume.done.get(line), lineId(entry), output);
  }
  let largest = 0;
  for (const line of resume.done.keys()) largest = Math.max(largest, line);
  if (largest > lastLine) {
    throw new UsageError(
      `${output} holds a result for line ${largest}, but ${input} has only ${lastLine} lines: the output was written ` +
        'for another input; pass a new --output, or --overwrite',
    );
  }
  return remaining;
}

/** A record whose id differs from its input line's id means the output belongs to another input. */
function checkSameInput(line: number, doneId: string | undefined, id: string | undefined, output: string): void {
  if (doneId !== id) {
    throw new UsageError(
      `${output} has a result for input line ${line} with id ${JSON.stringify(doneId)} but the input has ${JSON.stringify(id)}: ` +
        'the output was written for another input; pass a new --output, or --overwrite',
    );
  }
}
