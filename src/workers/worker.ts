/**
 * The worker-thread side of the pool: loads its own extractor from the options in workerData,
 * then answers 'run' messages one at a time. Built as its own entry (dist/worker.js) so the pool
 * can start it from the published package; run from source under tsx in tests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createExtractor } from '../index.js';
import type { Extractor } from '../schemas.js';
import { serializeError, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('src/workers/worker.ts is a worker-thread entry: start it with createWorkerPool, not directly.');

const post = (message: FromWorker): void => port.postMessage(message);
const { options } = workerData as WorkerInit;

let extractor: Extractor;
try {
  extractor = await createExtractor(options);
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-error', error: serializeError(error) });
  port.close();
  process.exit(1);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'close') {
    void extractor.dispose().finally(() => port.close());
    return;
  }
  if (message.crash) process.exit(70);
  extractor.extractBatch(message.items).then(
    (results) => post({ type: 'result', taskId: message.taskId, results }),
    (error: unknown) => post({ type: 'error', taskId: message.taskId, error: serializeError(error) }),
  );
});
