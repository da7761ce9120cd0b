import { ZsreError } from '../errors.js';

/**
 * The options argument of extractBatch, extractAll and extractDocument: a misspelt option
 * (`onProgres`, `pairz`) would otherwise be ignored without a word, so every key must be one the
 * call knows, and the ones that are called or read must have the right type. A key present with
 * the value undefined counts as absent (spreading partial options is common).
 */
export type CallOptionKind = 'function' | 'signal' | 'object' | 'any';

export function checkCallOptions(options: unknown, known: Readonly<Record<string, CallOptionKind>>, call: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ZsreError('INVALID_INPUT', `${call} options: expected an object such as { onProgress }, received ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}.`, {
      context: { field: 'options' },
    });
  }
  const names = Object.keys(known);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    // Own keys only: an inherited name ("constructor", "toString") is no option either.
    const kind = Object.hasOwn(known, key) ? known[key] : undefined;
    if (kind === undefined) {
      throw new ZsreError('INVALID_INPUT', `${call} options: unknown option "${key}"; the options are ${names.join(', ')}.`, { context: { field: key } });
    }
    const wrong =
      (kind === 'function' && typeof value !== 'function') ||
      (kind === 'object' && (value === null || typeof value !== 'object')) ||
      (kind === 'signal' && !isAbortSignal(value));
    if (wrong) {
      const expected = kind === 'signal' ? 'an AbortSignal (new AbortController().signal)' : kind === 'function' ? 'a function' : 'an object';
      throw new ZsreError('INVALID_INPUT', `${call} options: "${key}" must be ${expected}, received ${value === null ? 'null' : typeof value}.`, { context: { field: key } });
    }
  }
}

/** AbortSignal by shape, so a polyfill's signal or one from another realm passes too. */
function isAbortSignal(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean' && typeof (value as AbortSignal).addEventListener === 'function';
}

/** extractBatch's options (ExtractBatchOptions). */
export const batchOptionKinds = { onProgress: 'function', signal: 'signal', timings: 'object' } as const satisfies Record<string, CallOptionKind>;
/** A worker pool's extractBatch: stage timings are measured inside one process, so a pool has none to give. */
export const poolOptionKinds = { onProgress: 'function', signal: 'signal' } as const satisfies Record<string, CallOptionKind>;
/** extractAll's options (ExtractAllOptions): pairs and windowSentences are checked where they are used. */
export const allOptionKinds = { ...batchOptionKinds, pairs: 'any', windowSentences: 'any', onSkipped: 'function' } as const satisfies Record<string, CallOptionKind>;
