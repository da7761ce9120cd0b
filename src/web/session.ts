import * as ort from 'onnxruntime-web/wasm';
import { type GraphSession, wrapSession } from '../encoders/graphSession.js';
import { ZsreError } from '../errors.js';
import type { GraphSpec } from '../model/manifest.js';

/**
 * The only module of the browser entry that imports onnxruntime-web (its WASM build: no WebGPU,
 * so that every machine computes the same kernels). Sessions are created from the verified bytes
 * fetchModel returned, then checked and run by wrapSession, as in Node.
 */

export interface WasmSettings {
  /** threads of the WASM backend; more than 1 only in a cross-origin isolated page. */
  threads: number;
  /** where ort-wasm-simd-threaded.{mjs,wasm} are served (a URL prefix ending in "/"). */
  wasmPaths: string | undefined;
}

let applied: WasmSettings | null = null;

/**
 * onnxruntime-web reads its WASM settings from its global `env`, once, when the first session
 * starts the runtime; there is no per-session switch. So they are set here, for the first
 * extractor of the page; a later one that asks for other settings is told, not silently ignored.
 */
export function configureWasm(settings: WasmSettings): void {
  if (applied !== null) {
    if (applied.threads !== settings.threads || applied.wasmPaths !== settings.wasmPaths) {
      throw new ZsreError(
        'INVALID_INPUT',
        `onnxruntime-web in this page already runs with threads ${applied.threads} and wasmPaths ${String(applied.wasmPaths)}; ` +
          `it cannot switch to threads ${settings.threads} and wasmPaths ${String(settings.wasmPaths)} (its WASM runtime is started once per page): ` +
          'create every extractor of the page with the same threads and wasmPaths.',
        { context: { field: 'threads' } },
      );
    }
    return;
  }
  ort.env.wasm.numThreads = settings.threads;
  if (settings.wasmPaths !== undefined) ort.env.wasm.wasmPaths = settings.wasmPaths;
  ort.env.logLevel = 'error';
  applied = settings;
}

export async function createWebSession(bytes: Uint8Array, spec: GraphSpec, file: string, label: string): Promise<GraphSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 4,
    });
  } catch (cause) {
    throw new ZsreError(
      'MODEL_RUNTIME',
      `onnxruntime-web could not load the ${label} graph ${file}: ${(cause as Error).message}. ` +
        'If the message is about fetching a .wasm or .mjs file, serve onnxruntime-web\'s dist files and pass their folder as `wasmPaths`; ' +
        'otherwise re-export the model (the file may be from an incompatible exporter or opset).',
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
    label,
  );
}
