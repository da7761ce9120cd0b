import { existsSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { checkBaseIri, defaultBaseIri } from '../triples/index.js';
import { exitCodes, parseCommandArgs, positiveInteger, probability, requireFile, requireOption, UsageError } from './args.js';
import { describeError, LoadFailure } from '../batch/index.js';
import { isBuiltinRelationSet } from '../relations/builtin.js';
import { outputFormats, prepareTarget, type OutputFormat, type SinkEntry } from './sinks.js';

export const queueHelp = `Usage: zsre queue <submit|work|merge|status> [options]

Runs "zsre extract" across machines: submit cuts the input into shards, one BullMQ job each, on
a Redis server; any number of "zsre queue work" processes, on any machines that reach Redis and
share --output-dir, run the jobs; merge joins the shards into one output in input order.
Each shard file is written whole (temporary file + rename), so a worker killed mid-job leaves
nothing half-written, and its job is retried by another worker once its lock expires.

  zsre queue submit --input IN.jsonl --shards N --relations FILE|wikidata [--model DIR]
                    [--top-k N] [--threshold X] [--batch-size N] [--run-id ID] [--attempts N]
      The input lines travel in the jobs; --relations and --model must be paths every worker
      can read (or a built-in set: "wikidata", "wikidata-no-ids"). Prints the run id. Submitting
      the same run again adds nothing.
  zsre queue work --output-dir DIR [--until-empty] [--workers N] [--concurrency N] [--lock-ms MS]
      Runs jobs until stopped (Ctrl-C / SIGTERM finish the job in progress), or with
      --until-empty until nothing is waiting or running. --workers N runs the model in N
      worker threads (every core of this machine). --lock-ms (default 30000): how soon a
      dead worker's job is retried.
  zsre queue merge --output-dir DIR --input IN.jsonl --output OUT [--run-id ID]
                   [--format jsonl|ntriples|turtle|csv] [--base-iri IRI]
      Checks that every non-blank input line is in the shards exactly once, then writes OUT
      (whole, via a temporary file) in the format of "zsre extract --format"; RDF takes the
      entity ids (headId/tailId) from the input lines.
  zsre queue status
      Prints the job counts of the queue.

Common options:
  --redis URL    Redis server (default $ZSRE_REDIS_URL or redis://127.0.0.1:6379)
  --queue NAME   queue name (default zsre)
  -h, --help     show this help

Redis: Debian/Ubuntu: apt-get install -y redis-server. Exit codes: 0 ok; 1 merge found missing
  lines, or jobs failed; 2 usage error; 3 Redis or the model could not be reached or loaded.
`;

const options = {
  redis: { type: 'string' },
  queue: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  'output-dir': { type: 'string' },
  shards: { type: 'string' },
  relations: { type: 'string' },
  model: { type: 'string' },
  'top-k': { type: 'string' },
  threshold: { type: 'string' },
  'batch-size': { type: 'string' },
  'run-id': { type: 'string' },
  attempts: { type: 'string' },
  concurrency: { type: 'string' },
  workers: { type: 'string' },
  'lock-ms': { type: 'string' },
  'until-empty': { type: 'boolean' },
  format: { type: 'string' },
  'base-iri': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const log = (message: string): void => {
  process.stderr.write(`zsre queue: ${message}\n`);
};

function existingFile(path: string, flag: string): string {
  requireFile(path, flag);
  return resolve(path);
}

function existingFolder(path: string, flag: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is not a folder; create it first`);
  return resolve(path);
}

/** Redis being unreachable is reported like a model that cannot load (exit 3), with what to do. */
async function withRedis<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UsageError || error instanceof LoadFailure) throw error;
    if (error instanceof Error && /Redis|ECONNREFUSED/.test(error.message)) throw new LoadFailure(error.message, { cause: error });
    throw error;
  }
}

/** Any output format, written whole: into a temporary file beside OUT, then renamed over it. */
async function writeWhole(format: OutputFormat, output: string, baseIri: string, entries: SinkEntry[]): Promise<void> {
  const temporary = join(dirname(resolve(output)), `.${basename(output)}.merge-${process.pid}`);
  const target = await prepareTarget(format, temporary, { overwrite: true, baseIri });
  const sink = await target.open();
  try {
    await sink.write(entries);
  } catch (error) {
    await sink.abort();
    await rm(temporary, { force: true });
    throw error;
  }
  await sink.close();
  await rename(temporary, output);
}

export async function runQueue(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    process.stdout.write(queueHelp);
    return sub === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const { values } = parseCommandArgs(rest, options);
  if (values.help === true) {
    process.stdout.write(queueHelp);
    return exitCodes.ok;
  }
  const redisUrl = values.redis ?? process.env.ZSRE_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queueName = values.queue ?? 'zsre';
  // Imported here: bullmq and the model stack load only for the subcommand that needs them.
  const queue = await import('../queue/index.js');

  if (sub === 'submit') {
    const input = existingFile(requireOption(values.input, '--input'), '--input');
    const shards = positiveInteger(requireOption(values.shards, '--shards'), '--shards') as number;
    const relations = requireOption(values.relations, '--relations');
    const topK = positiveInteger(values['top-k'], '--top-k');
    const threshold = probability(values.threshold, '--threshold');
    const batchSize = positiveInteger(values['batch-size'], '--batch-size');
    const attempts = positiveInteger(values.attempts, '--attempts');
    const config = {
      // Absolute paths: workers may run elsewhere, but not from this folder.
      relations: isBuiltinRelationSet(relations) || !existsSync(relations) ? relations : resolve(relations),
      ...(values.model === undefined ? {} : { model: existsSync(values.model) ? resolve(values.model) : values.model }),
      ...(topK === undefined ? {} : { topK }),
      ...(threshold === undefined ? {} : { threshold }),
      ...(batchSize === undefined ? {} : { batchSize }),
    };
    const run = await withRedis(() =>
      queue.submitRun({ redisUrl, queueName, input, shards, config, ...(values['run-id'] === undefined ? {} : { runId: values['run-id'] }), ...(attempts === undefined ? {} : { attempts }) }),
    );
    log(`submitted ${run.lines} lines in ${run.shards} shards to queue "${queueName}" at ${redisUrl}`);
    process.stdout.write(`${run.runId}\n`);
    return exitCodes.ok;
  }
  if (sub === 'work') {
    const outputDir = existingFolder(requireOption(values['output-dir'], '--output-dir'), '--output-dir');
    const concurrency = positiveInteger(values.concurrency, '--concurrency');
    const lockMs = positiveInteger(values['lock-ms'], '--lock-ms');
    const workers = positiveInteger(values.workers, '--workers');
    const commitDelay = process.env.ZSRE_QUEUE_COMMIT_DELAY_MS;
    let stopWorker: () => void = () => undefined;
    const stop = new Promise<void>((resolvePromise) => {
      stopWorker = resolvePromise;
    });
    const onSignal = () => {
      log('stopping after the job in progress');
      stopWorker();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const summary = await withRedis(() =>
        queue.runQueueWorker({
          redisUrl,
          queueName,
          outputDir,
          log,
          stop,
          untilEmpty: values['until-empty'] === true,
          ...(concurrency === undefined ? {} : { concurrency }),
          ...(workers === undefined ? {} : { workers }),
          ...(lockMs === undefined ? {} : { lockDurationMs: lockMs }),
          ...(commitDelay === undefined ? {} : { commitDelayMs: Number(commitDelay) }),
        }),
      );
      log(`done: ${summary.processed} shards written, ${summary.skipped} already written; ${summary.failed} failed jobs in the queue`);
      return summary.failed > 0 ? exitCodes.lineErrors : exitCodes.ok;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }
  if (sub === 'merge') {
    const outputDir = existingFolder(requireOption(values['output-dir'], '--output-dir'), '--output-dir');
    const input = existingFile(requireOption(values.input, '--input'), '--input');
    const output = requireOption(values.output, '--output');
    const format = values.format ?? 'jsonl';
    const known = outputFormats.find((name) => name === format);
    if (known === undefined) throw new UsageError(`--format must be one of ${outputFormats.join(', ')}, received "${format}"`);
    const baseIri = values['base-iri'] ?? defaultBaseIri;
    try {
      checkBaseIri(baseIri);
    } catch (error) {
      throw new UsageError(`--base-iri: ${(error as Error).message}`);
    }
    try {
      const summary = await queue.mergeRun({
        outputDir,
        input,
        output,
        ...(values['run-id'] === undefined ? {} : { runId: values['run-id'] }),
        ...(known === 'jsonl' ? {} : { write: (entries: SinkEntry[]) => writeWhole(known, output, baseIri, entries) }),
      });
      log(`merged ${summary.lines} lines from ${summary.shards} shards of ${summary.runId} into ${output}` + (summary.leftovers > 0 ? ` (ignored ${summary.leftovers} temporary files of killed workers)` : ''));
      return exitCodes.ok;
    } catch (error) {
      if (!(error instanceof queue.IncompleteRunError)) throw error;
      log(describeError(error));
      return exitCodes.lineErrors;
    }
  }
  if (sub === 'status') {
    const { Queue } = await import('bullmq');
    const handle = new Queue(queueName, { connection: queue.redisConnection(redisUrl) });
    try {
      await withRedis(() => queue.waitForRedis(handle, redisUrl));
      const counts = await handle.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed');
      process.stdout.write(`${JSON.stringify(counts)}\n`);
      return exitCodes.ok;
    } finally {
      await handle.close();
    }
  }
  throw new UsageError(`unknown queue subcommand "${sub}" (submit, work, merge, status)`);
}
