// Past one machine: shard a JSONL input into BullMQ jobs on Redis, run any number of workers,
// merge the atomically written shard files.
export { defaultQueueName, defaultRedisUrl, redisConnection, waitForRedis } from './connection.js';
export { shardFileName, shardRanges, writeAtomically, type RunConfig, type ShardJob } from './shards.js';
export { submitRun, type SubmitOptions, type SubmittedRun } from './submit.js';
export { runQueueWorker, type WorkOptions, type WorkSummary } from './work.js';
export { IncompleteRunError, mergeRun, type MergeOptions, type MergeSummary } from './merge.js';
