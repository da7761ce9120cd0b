import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { abortError, checkNotAborted, ZsreError } from '../errors.js';
import type { ExtractBatchOptions, ExtractItem, ExtractorOptions, ExtractResult } from '../schemas.js';
import { deserializeError, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';
import { checkCallOptions, poolOptionKinds } from '../core/callOptions.js';

export interface TaskStartEvent {
  /** Which worker slot runs the task (0-based; a restarted worker keeps its slot). */
  slot: number;
  taskId: number;
  items: number;
  /** How many times this task was started before (a worker died under it). */
  attempt: number;
  /**
   * Makes that worker thread exit as soon as it receives the task, without answering, as a crash
   * would: for tests of the re-queueing. (Not worker.terminate(): tearing a thread down while
   * onnxruntime-node runs in it can abort the whole process with a native Napi::Error.)
   */
  terminate(): void;
}

// onProgress is a function, which cannot be posted to a worker thread; a pool's label index is
// built by its first worker (see below), where a callback in this thread could not observe it.
export interface WorkerPoolOptions extends Omit<ExtractorOptions, 'onProgress'> {
  /** Worker threads, each with its own extractor. Default: cores / threadsPerWorker. */
  workers?: number;
  /** onnxruntime intra-op threads per worker (the extractor's `threads`). Default 1. */
  threadsPerWorker?: number;
  /** Items per task handed to one worker. Default: an even share of the batch, at most batchSize (32). */
  taskSize?: number;
  /** A task whose worker died this many times fails the batch (a crash it causes, not bad luck). Default 3. */
  maxAttempts?: number;
  /** Called when a task is handed to a worker (monitoring, and tests that kill a worker mid-task). */
  onTaskStart?: (event: TaskStartEvent) => void;
}

export interface WorkerPool {
  extractBatch(items: ExtractItem[], options?: ExtractBatchOptions): Promise<ExtractResult[]>;
  extract(item: ExtractItem): Promise<ExtractResult>;
  /** Worker threads currently alive. */
  readonly size: number;
  /** How many workers were started to replace ones that died. */
  readonly restarts: number;
  dispose(): Promise<void>;
}

const closeGraceMs = 30_000;

interface Task {
  id: number;
  items: ExtractItem[];
  attempts: number;
  batch: { failed: boolean };
  resolve(results: ExtractResult[]): void;
  reject(error: Error): void;
}

interface Slot {
  index: number;
  worker: Worker;
  ready: boolean;
  /** The thread has ended (a replacement may be starting in this slot). */
  exited: boolean;
  /** Its extractor failed to load: not restarted, the error goes to the caller. */
  failed: boolean;
  task: Task | null;
}

/**
 * The worker entry: dist/worker.js next to the bundle that holds this code (the published
 * package), or src/workers/worker.ts under tsx (a source checkout: tests, examples).
 */
function workerEntry(): { script: URL | string; eval: boolean } {
  const built = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return { script: built, eval: false };
  const source = new URL('./worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(source))) {
    throw new ZsreError('MODEL_RUNTIME', `The worker entry is missing: neither ${fileURLToPath(built)} nor ${fileURLToPath(source)} exists; rebuild zsre (npm run build).`);
  }
  // Node 20 does not pass `--import tsx` on to worker threads, so the worker registers tsx's
  // loader itself before importing the TypeScript entry.
  const tsxApi = tsxEsmApi();
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); });`;
  return { script: bootstrap, eval: true };
}

/** The ESM build of tsx's register API, found through tsx's own exports map (require() would pick the CJS one). */
function tsxEsmApi(): string {
  let manifestPath: string;
  try {
    manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  } catch (error) {
    throw new ZsreError('MODEL_RUNTIME', 'Running the worker pool from TypeScript sources needs tsx (npm install -D tsx), or build zsre first (npm run build).', { cause: error });
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
  const target = manifest.exports?.['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(manifestPath), target)).href;
}

/**
 * A pool of worker threads, each with its own extractor, for batch extraction on every core.
 * A batch is cut into tasks that idle workers take in turn; results come back in input order.
 * When a worker dies mid-task its task goes back to the front of the queue and a new worker
 * takes the slot, so every item still gets exactly one result.
 */
export async function createWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const { workers: requested, threadsPerWorker = 1, taskSize, maxAttempts = 3, onTaskStart, ...extractorOptions } = options;
  const workerCount = requested ?? Math.max(1, Math.floor(availableParallelism() / threadsPerWorker));
  if (!Number.isInteger(workerCount) || workerCount < 1) {
    throw new ZsreError('INVALID_INPUT', `Invalid workers: expected a positive integer, received ${String(requested)}.`);
  }
  const init: WorkerInit = { options: { ...extractorOptions, threads: threadsPerWorker } };
  const entry = workerEntry();
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextTaskId = 1;
  let restarts = 0;
  let disposed = false;
  let fatal: Error | null = null;

  const failAll = (error: Error): void => {
    fatal = error;
    for (const task of queue.splice(0)) task.reject(error);
    for (const slot of slots) {
      if (slot.task !== null) slot.task.reject(error);
      slot.task = null;
    }
  };

  const dispatch = (): void => {
    for (const slot of slots) {
      if (!slot.ready || slot.task !== null) continue;
      let task = queue.shift();
      while (task !== undefined && task.batch.failed) task = queue.shift();
      if (task === undefined) return;
      slot.task = task;
      let crash = false;
      onTaskStart?.({ slot: slot.index, taskId: task.id, items: task.items.length, attempt: task.attempts, terminate: () => { crash = true; } });
      const message: ToWorker = { type: 'run', taskId: task.id, items: task.items, crash };
      slot.worker.postMessage(message);
    }
  };

  /** Starts a worker in a slot; resolves when its extractor is loaded, rejects when it cannot load. */
  const start = (index: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(entry.script, { workerData: init, eval: entry.eval });
      const slot: Slot = { index, worker, ready: false, exited: false, failed: false, task: null };
      slots[index] = slot;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          slot.ready = true;
          resolve();
          dispatch();
        } else if (message.type === 'init-error') {
          slot.failed = true;
          reject(deserializeError(message.error));
        } else if (slot.task !== null && slot.task.id === message.taskId) {
          const task = slot.task;
          slot.task = null;
          if (message.type === 'result') task.resolve(message.results);
          else task.reject(deserializeError(message.error));
          dispatch();
        }
      });
      worker.on('error', (error) => {
        if (!slot.ready) {
          slot.failed = true;
          reject(error);
        }
      });
      worker.on('exit', (code) => {
        slot.exited = true;
        const orphan = slot.task;
        slot.task = null;
        const wasReady = slot.ready;
        slot.ready = false;
        if (disposed || slot.failed) return;
        if (!wasReady) {
          // Died while loading without saying why: no restart loop, the caller hears of it.
          reject(new ZsreError('MODEL_RUNTIME', `A worker thread exited with code ${code} while loading its extractor.`));
          return;
        }
        if (orphan !== null) {
          orphan.attempts += 1;
          if (orphan.attempts >= maxAttempts) {
            orphan.reject(
              new ZsreError('MODEL_RUNTIME', `A worker thread died ${orphan.attempts} times running the same ${orphan.items.length} items (last exit code ${code}); run them without --workers to see the error.`),
            );
          } else {
            queue.unshift(orphan);
          }
        }
        if (fatal === null) {
          restarts += 1;
          start(index).catch((error: unknown) => failAll(error instanceof Error ? error : new Error(String(error))));
        }
      });
    });

  const stopAll = async (): Promise<void> => {
    disposed = true;
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  };

  try {
    // The first worker builds and persists the label index; the others start after it and read
    // it from the cache instead of racing to write the same file.
    await start(0);
    await Promise.all(Array.from({ length: workerCount - 1 }, (_, offset) => start(offset + 1)));
  } catch (error) {
    await stopAll();
    throw error;
  }

  const extractBatch = async (items: ExtractItem[], batchOptions: ExtractBatchOptions = {}): Promise<ExtractResult[]> => {
    if (disposed) throw new ZsreError('DISPOSED', 'This worker pool was disposed: create a new one with createWorkerPool().');
    if (fatal !== null) throw fatal;
    if (!Array.isArray(items)) throw new ZsreError('INVALID_INPUT', `extractBatch expects an array of items, received ${typeof items}.`);
    checkCallOptions(batchOptions, poolOptionKinds, 'worker pool extractBatch');
    const { signal } = batchOptions;
    checkNotAborted(signal);
    if (items.length === 0) return [];
    const size = taskSize ?? Math.max(1, Math.min(extractorOptions.batchSize ?? 32, Math.ceil(items.length / workerCount)));
    const batch = { failed: false };
    let done = 0;
    const parts: Promise<ExtractResult[]>[] = [];
    for (let start = 0; start < items.length; start += size) {
      const slice = items.slice(start, start + size);
      parts.push(
        new Promise<ExtractResult[]>((resolve, reject) => {
          queue.push({ id: nextTaskId++, items: slice, attempts: 0, batch, resolve, reject });
        }).then((results) => {
          done += results.length;
          batchOptions.onProgress?.(done, items.length);
          return results;
        }),
      );
    }
    dispatch();
    // An abort rejects at once; tasks a worker is running finish, queued ones are skipped (batch.failed).
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal as AbortSignal));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return (await Promise.race([Promise.all(parts), aborted])).flat();
    } catch (error) {
      batch.failed = true;
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  };

  return {
    extractBatch,
    async extract(item) {
      const [result] = await extractBatch([item]);
      return result as ExtractResult;
    },
    get size() {
      return slots.filter((slot) => slot.ready).length;
    },
    get restarts() {
      return restarts;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const task of queue.splice(0)) task.reject(new ZsreError('DISPOSED', 'The worker pool was disposed while this batch was waiting.'));
      // A worker disposes its extractor after the task in progress and then ends; one that does
      // not end within the grace period is stopped.
      await Promise.all(
        slots.map(async (slot) => {
          if (slot.exited) return;
          const ended = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
          const message: ToWorker = { type: 'close' };
          slot.worker.postMessage(message);
          const timer = setTimeout(() => void slot.worker.terminate(), closeGraceMs);
          await ended;
          clearTimeout(timer);
        }),
      );
      for (const slot of slots) if (slot.task !== null) slot.task.reject(new ZsreError('DISPOSED', 'The worker pool was disposed while this batch was running.'));
    },
  };
}
