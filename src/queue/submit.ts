import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { isBlank, readLines } from '../batch/index.js';
import { redisConnection, waitForRedis } from './connection.js';
import { shardRanges, type QueuedLine, type RunConfig, type ShardJob } from './shards.js';

export interface SubmitOptions {
  redisUrl: string;
  queueName: string;
  input: string;
  shards: number;
  config: RunConfig;
  /** Default: a hash of the input's lines, the config and the shard count, so resubmitting the same run adds nothing new. */
  runId?: string;
  /** Tries per job when the processor fails (a stalled job, from a killed worker, is retried regardless). Default 3. */
  attempts?: number;
}

export interface SubmittedRun {
  runId: string;
  shards: number;
  lines: number;
}

/**
 * Cuts the non-blank lines of the input into contiguous shards and adds one BullMQ job per
 * shard. Job ids are `<runId>-<shard>`, so submitting the same run twice queues nothing twice.
 */
export async function submitRun(options: SubmitOptions): Promise<SubmittedRun> {
  const lines: QueuedLine[] = [];
  const hash = createHash('sha256');
  for await (const entry of readLines(options.input)) {
    if (isBlank(entry)) continue;
    const { line, text, invalid } = entry;
    lines.push(invalid === undefined ? { line, text } : { line, text, invalid });
    hash.update(`${line}\t${text}\n`);
  }
  hash.update(JSON.stringify(options.config)).update(`\n${options.shards}`);
  const runId = options.runId ?? `run-${hash.digest('hex').slice(0, 12)}`;
  if (!/^[A-Za-z0-9_.-]+$/.test(runId)) throw new Error(`invalid run id "${runId}": use letters, digits, '.', '_' and '-' only`);
  const ranges = shardRanges(lines.length, options.shards);
  const queue = new Queue<ShardJob>(options.queueName, { connection: redisConnection(options.redisUrl) });
  try {
    await waitForRedis(queue, options.redisUrl);
    await queue.addBulk(
      ranges.map((range, shard) => ({
        name: 'shard',
        data: { runId, shard, shards: ranges.length, config: options.config, lines: lines.slice(range.from, range.to) },
        opts: {
          jobId: `${runId}-${shard}`,
          attempts: options.attempts ?? 3,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: false,
        },
      })),
    );
  } finally {
    await queue.close();
  }
  return { runId, shards: ranges.length, lines: lines.length };
}
