import * as ort from 'onnxruntime-node';
import { ZsreError } from '../errors.js';
import type { GraphSpec, TensorSpec } from '../model/manifest.js';

/**
 * The only module that touches onnxruntime. A session is created, checked against the
 * manifest's declared inputs and outputs, and then run on int64 feeds returning float32 outputs.
 */

export interface Int64Feed {
  data: BigInt64Array;
  dims: number[];
}

export interface Float32Output {
  data: Float32Array;
  dims: readonly number[];
}

export interface GraphSession {
  run(feeds: Record<string, Int64Feed>, outputs: readonly string[]): Promise<Record<string, Float32Output>>;
  release(): Promise<void>;
}

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
  checkIo(session, spec, file, options.label);
  return {
    async run(feeds, outputs) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) tensors[name] = new ort.Tensor('int64', feed.data, feed.dims);
      let results: ort.InferenceSession.ReturnType;
      try {
        results = await session.run(tensors, [...outputs]);
      } catch (cause) {
        const shapes = Object.entries(feeds)
          .map(([name, feed]) => `${name}: int64 [${feed.dims.join(', ')}]`)
          .join('; ');
        throw new ZsreError(
          'MODEL_RUNTIME',
          `onnxruntime failed running the ${options.label} graph (${file}) with inputs ${shapes}: ` +
            `${(cause as Error).message}. Check that the model directory matches its manifest (re-export it).`,
          { cause, context: { file } },
        );
      }
      const out: Record<string, Float32Output> = {};
      for (const name of outputs) {
        const value = results[name];
        if (value === undefined || !(value.data instanceof Float32Array)) {
          throw new ZsreError('MODEL_IO_MISMATCH', `The ${options.label} graph ${file} returned no float32 output "${name}": re-export the model.`, {
            context: { file, output: name },
          });
        }
        out[name] = { data: value.data, dims: value.dims };
      }
      return out;
    },
    async release() {
      await session.release();
    },
  };
}

/**
 * Compares the session's inputs and outputs with the manifest: names must match exactly, and
 * where the graph states a dtype and a fixed dimension those must agree too. On a mismatch every
 * expected tensor is listed next to what the graph has, so the fix is visible in one message.
 */
function checkIo(session: ort.InferenceSession, spec: GraphSpec, file: string, label: string): void {
  const problems: string[] = [];
  const compare = (side: 'inputs' | 'outputs', expected: readonly TensorSpec[], found: readonly ort.InferenceSession.ValueMetadata[]): void => {
    const byName = new Map(found.map((meta) => [meta.name, meta]));
    for (const want of expected) {
      const have = byName.get(want.name);
      if (have === undefined) {
        problems.push(`${side} "${want.name}" (${want.dtype} [${want.shape.join(', ')}]) is missing`);
        continue;
      }
      if (!have.isTensor) {
        problems.push(`${side} "${want.name}" is not a tensor`);
        continue;
      }
      if (have.type !== want.dtype) problems.push(`${side} "${want.name}" has dtype ${have.type}, expected ${want.dtype}`);
      const fixedMismatch =
        have.shape.length > 0 &&
        (have.shape.length !== want.shape.length ||
          want.shape.some((dim, axis) => typeof dim === 'number' && typeof have.shape[axis] === 'number' && have.shape[axis] !== dim));
      if (fixedMismatch) problems.push(`${side} "${want.name}" has shape [${have.shape.join(', ')}], expected [${want.shape.join(', ')}]`);
    }
    const declared = new Set(expected.map((tensor) => tensor.name));
    for (const meta of found) if (!declared.has(meta.name)) problems.push(`${side} "${meta.name}" is in the graph but not in manifest.json`);
  };
  compare('inputs', spec.inputs, session.inputMetadata);
  compare('outputs', spec.outputs, session.outputMetadata);
  if (problems.length > 0) {
    const describe = (metas: readonly ort.InferenceSession.ValueMetadata[]): string =>
      metas.map((meta) => (meta.isTensor ? `${meta.name} ${meta.type} [${meta.shape.join(', ')}]` : meta.name)).join(', ');
    throw new ZsreError(
      'MODEL_IO_MISMATCH',
      `The ${label} graph ${file} does not match manifest.json: ${problems.join('; ')}. ` +
        `Graph inputs: ${describe(session.inputMetadata)}; outputs: ${describe(session.outputMetadata)}. ` +
        'Re-export the model so that the graph and its manifest agree.',
      { context: { file, problems } },
    );
  }
}
