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
