import { ZsreError } from '../errors.js';
import type { GraphSpec, TensorSpec } from '../model/manifest.js';

/**
 * What the pipeline asks of a graph, whichever onnxruntime runs it (onnxruntime-node in
 * session.ts, onnxruntime-web in src/web/session.ts): run on int64 feeds, return float32
 * outputs, release. The checks and error messages live here once, so Node and the browser fail
 * the same way on the same model.
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

/** The part of an onnxruntime value's metadata the IO check reads (the same in -node and -web). */
export type ValueMeta = { name: string; isTensor: true; type: string; shape: readonly (number | string)[] } | { name: string; isTensor: false };

/** A loaded onnxruntime session, reduced to what wrapSession needs; each runtime adapts its own. */
export interface OrtSessionLike<T> {
  inputMetadata: readonly ValueMeta[];
  outputMetadata: readonly ValueMeta[];
  tensor(feed: Int64Feed): T;
  run(tensors: Record<string, T>, outputs: string[]): Promise<Record<string, { data: unknown; dims: readonly number[] } | undefined>>;
  release(): Promise<void>;
}

/** Checks the session against the manifest, then wraps it as a GraphSession with errors that name the feed. */
export function wrapSession<T>(session: OrtSessionLike<T>, spec: GraphSpec, file: string, label: string): GraphSession {
  checkIo(session, spec, file, label);
  return {
    async run(feeds, outputs) {
      const tensors: Record<string, T> = {};
      for (const [name, feed] of Object.entries(feeds)) tensors[name] = session.tensor(feed);
      let results: Awaited<ReturnType<OrtSessionLike<T>['run']>>;
      try {
        results = await session.run(tensors, [...outputs]);
      } catch (cause) {
        const shapes = Object.entries(feeds)
          .map(([name, feed]) => `${name}: int64 [${feed.dims.join(', ')}]`)
          .join('; ');
        throw new ZsreError(
          'MODEL_RUNTIME',
          `onnxruntime failed running the ${label} graph (${file}) with inputs ${shapes}: ` +
            `${(cause as Error).message}. Check that the model directory matches its manifest (re-export it).`,
          { cause, context: { file } },
        );
      }
      const out: Record<string, Float32Output> = {};
      for (const name of outputs) {
        const value = results[name];
        if (value === undefined || !(value.data instanceof Float32Array)) {
          throw new ZsreError('MODEL_IO_MISMATCH', `The ${label} graph ${file} returned no float32 output "${name}": re-export the model.`, {
            context: { file, output: name },
          });
        }
        out[name] = { data: value.data, dims: value.dims };
      }
      return out;
    },
    release: () => session.release(),
  };
}

/**
 * Compares the session's inputs and outputs with the manifest: names must match exactly, and
 * where the graph states a dtype and a fixed dimension those must agree too. On a mismatch every
 * expected tensor is listed next to what the graph has, so the fix is visible in one message.
 */
function checkIo(session: Pick<OrtSessionLike<unknown>, 'inputMetadata' | 'outputMetadata'>, spec: GraphSpec, file: string, label: string): void {
  const problems: string[] = [];
  const compare = (side: 'inputs' | 'outputs', expected: readonly TensorSpec[], found: readonly ValueMeta[]): void => {
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
    const describe = (metas: readonly ValueMeta[]): string =>
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
