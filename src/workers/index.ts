// All cores: a pool of worker threads, each with its own extractor.
export { createWorkerPool, type TaskStartEvent, type WorkerPool, type WorkerPoolOptions } from './pool.js';
