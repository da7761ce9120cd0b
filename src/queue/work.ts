import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { openExtractor, openWorkerPool, parseLine, prepareLine, runBatch, type BatchRunner, type OutputRecord } from '../batch/index.js';
import { redisConnection, waitForRedis } from './connection.js';
import { shardFileName, writeAtomically, type RunConfig, type ShardJob } from './shards.js';

export interface WorkOptions {
  redisUrl: string;
  queueName: string;
  outputDir: string;
  /** Jobs run at once by this process (each on the one extractor). Default 1. */
  concurrency?: number;
  /** Worker threads for the model (a pool, as `zsre extract --workers`). Default: one extractor, no pool. */
  workers?: number;
  /** How long a job's lock lasts without renewal: after a worker dies, its job is retried this much later. Default 30 s. */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died. Default: lockDurationMs. */
  stalledIntervalMs?: number;
  /** A job may stall (its worker die) this many times before it fails. Default 3. */
  maxStalledCount?: number;
  /** Stop once the queue has nothing waiting, delayed or active. Default false: run until stopped. */
  untilEmpty?: boolean;
  /** Test hook: wait this long between writing a shard's temporary file and renaming it. */
  commitDelayMs?: number;
  log?: (message: string) => void;
  /** Resolves to stop the worker gracefully (finishing jobs in progress). */
  stop?: Promise<void>;
}

export interface WorkSummary {
  processed: number;
  skipped: number;
  /** Jobs that failed for good in this queue (all workers), known when stopping. */
  failed: number;
}

/**
 * A queue worker: takes shard jobs, runs their lines through one extractor per run config, and
 * writes each shard's output atomically. A shard whose file already exists (a previous attempt
 * finished, but its worker died before telling Redis) is not run again.
 */
export async function runQueueWorker(options: WorkOptions): Promise<WorkSummary> {
  const log = options.log ?? (() => undefined);
  const connection = redisConnection(options.redisUrl);
  const queue = new Queue<ShardJob>(options.queueName, { connection });
  await waitForRedis(queue, options.redisUrl).catch(async (error: unknown) => {
    await queue.close();
    throw error;
  });
  type Runner = BatchRunner & { dispose(): Promise<void> };
  const extractors = new Map<string, Promise<Runner>>();
  const extractorFor = (config: RunConfig): Promise<Runner> => {
    const key = JSON.stringify(config);
    let extractor = extractors.get(key);
    if (extractor === undefined) {
      const extractorOptions = {
        relations: config.relations,
        ...(config.model === undefined ? {} : { model: config.model }),
        ...(config.topK === undefined ? {} : { topK: config.topK }),
        ...(config.threshold === undefined ? {} : { threshold: config.threshold }),
        ...(config.batchSize === undefined ? {} : { batchSize: config.batchSize }),
      };
      extractor = options.workers === undefined ? openExtractor(extractorOptions) : openWorkerPool({ ...extractorOptions, workers: options.workers });
      extractors.set(key, extractor);
      // A failed load is not cached: the next job tries again (and BullMQ retries this one).
      extractor.catch(() => extractors.delete(key));
    }
    return extractor;
  };
  const summary: WorkSummary = { processed: 0, skipped: 0, failed: 0 };

  const processShard = async (job: Job<ShardJob>): Promise<{ lines: number; skipped: boolean }> => {
    const { runId, shard, shards, config, lines } = job.data;
    const path = join(options.outputDir, shardFileName(runId, shard));
    if (existsSync(path)) {
      log(`shard ${shard + 1}/${shards} of ${runId}: already written, skipped`);
      summary.skipped += 1;
      return { lines: lines.length, skipped: true };
    }
    log(`shard ${shard + 1}/${shards} of ${runId}: started (${lines.length} lines, attempt ${job.attemptsMade + 1})`);
    const extractor = await extractorFor(config);
    // With a pool, each call hands every worker a batch.
    const batchSize = (config.batchSize ?? 32) * (options.workers ?? 1);
    const records: OutputRecord[] = [];
    for (let start = 0; start < lines.length; start += batchSize) {
      const prepared = lines.slice(start, start + batchSize).map((entry) => prepareLine(parseLine(entry)));
      records.push(...(await runBatch(extractor, prepared)));
      await job.updateProgress(Math.round((100 * (start + prepared.length)) / lines.length));
    }
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    const delay = options.commitDelayMs ?? 0;
    await writeAtomically(path, text, delay > 0 ? () => new Promise((resolve) => setTimeout(resolve, delay)) : undefined);
    log(`shard ${shard + 1}/${shards} of ${runId}: written to ${path}`);
    summary.processed += 1;
    return { lines: records.length, skipped: false };
  };

  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker<ShardJob>(options.queueName, processShard, {
    connection,
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? lockDuration,
    maxStalledCount: options.maxStalledCount ?? 3,
  });
  worker.on('failed', (job, error) => log(`shard ${job === undefined ? '?' : job.data.shard + 1} failed: ${error.message}`));
  // Redis errors are reported by the connection and retried; without a listener they would be thrown.
  worker.on('error', (error) => log(`worker error: ${error.message}`));

  try {
    await new Promise<void>((resolve) => {
      void options.stop?.then(resolve);
      if (options.untilEmpty === true) {
        const poll = setInterval(() => {
          queue
            .getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children')
            .then((counts) => {
              if (Object.values(counts).every((count) => count === 0)) {
                clearInterval(poll);
                resolve();
              }
            })
            .catch((error: unknown) => log(`cannot read the queue: ${(error as Error).message}`));
        }, 500);
        void options.stop?.then(() => clearInterval(poll));
      }
    });
  } finally {
    await worker.close();
    summary.failed = (await queue.getJobCounts('failed').catch(() => ({ failed: 0 }))).failed ?? 0;
    await queue.close();
    for (const extractor of extractors.values()) await extractor.then((loaded) => loaded.dispose()).catch(() => undefined);
  }
  return summary;
}
