import { ZsreError, isZsreError, type ZsreErrorCode } from '../errors.js';
import type { ExtractItem, ExtractorOptions, ExtractResult } from '../schemas.js';

/** Messages between the pool (main thread) and one worker thread. Plain data: structured clone. */
export interface WorkerInit {
  options: ExtractorOptions;
}

// crash: exit on receipt without answering (the pool's test hook for a worker dying mid-task).
export type ToWorker = { type: 'run'; taskId: number; items: ExtractItem[]; crash: boolean } | { type: 'close' };

export interface SerializedError {
  name: string;
  message: string;
  code?: ZsreErrorCode;
  context?: Record<string, unknown>;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'result'; taskId: number; results: ExtractResult[] }
  | { type: 'error'; taskId: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (isZsreError(error)) {
    // The context may hold values that do not clone (a cause); keep what JSON keeps.
    return { name: error.name, message: error.message, code: error.code, context: JSON.parse(JSON.stringify(error.context)) as Record<string, unknown> };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** A ZsreError comes back as a ZsreError with its code, so callers (the CLI) tell item errors from failures. */
export function deserializeError(error: SerializedError): Error {
  if (error.code !== undefined) return new ZsreError(error.code, error.message, { context: error.context ?? {} });
  const revived = new Error(error.message);
  revived.name = error.name;
  return revived;
}
