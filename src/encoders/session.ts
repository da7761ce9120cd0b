import * as ort from 'onnxruntime-node';
import { ZsreError } from '../errors.js';
import type { GraphSpec } from '../model/manifest.js';
import { type GraphSession, wrapSession } from './graphSession.js';

/**
 * The only module that imports onnxruntime-node: it creates a session from a file and hands it to
 * wrapSession (graphSession.ts), which checks it against the manifest and runs it. The browser's
 * counterpart is src/web/session.ts.
 */

export type { Float32Output, GraphSession, Int64Feed } from './graphSession.js';

export async function createGraphSession(file: string, spec: GraphSpec, options: { threads: number; label: string }): Promise<GraphSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
      // Failures reach the caller as ZsreError with the feed's shapes; onnxruntime's own stderr
      // log of the same failure would only duplicate it.
      logSeverityLevel: 4,
      // An extractor holds two sessions (bi- and cross-encoder) that run one after the other, each
      // with its own intra-op pool. By default a pool's threads spin after their work for the next
      // call, and on a small machine they spin against the other session's threads and the JS
      // thread. Measured by bench:speed on 2 cores (AVX2 AMD EPYC, two runs each): EMMA default
      // +10-20% sentences/s at m = 5, 10, 15, single extract() p95 83-92 -> 40-48 ms, the
      // bi-encoder alone unchanged (benchmarks/results/speed.json).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (cause) {
    throw new ZsreError(
      'MODEL_RUNTIME',
      `onnxruntime could not load the ${options.label} graph ${file}: ${(cause as Error).message}. ` +
        'Re-export the model (the file may be from an incompatible exporter or opset).',
      { cause, context: { file } },
    );
  }
  return wrapSession(
    {
      inputMetadata: session.inputMetadata,
      outputMetadata: session.outputMetadata,
      tensor: (feed) => new ort.Tensor('int64', feed.data, feed.dims),
      run: (tensors, outputs) => session.run(tensors, outputs),
      release: () => session.release(),
    },
    spec,
    file,
    options.label,
  );
}
