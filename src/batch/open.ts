import { readFile } from 'node:fs/promises';
import type { CalibrationFile } from '../calibration/calibrationFile.js';
import { isZsreError } from '../errors.js';
import { readExamplesFile } from '../relations/files.js';
import { loadRelations, type Relation, type RelationExample } from '../relations/index.js';
import type { Extractor, ExtractorOptions } from '../schemas.js';
import type { WorkerPool, WorkerPoolOptions } from '../workers/index.js';

/** The model or relation set could not be loaded (exit code 3). */
export class LoadFailure extends Error {
  // A getter, not a field, so the CommonJS build keeps the class's name (see ZsreError).
  override get name(): string {
    return 'LoadFailure';
  }
}

/** One line for stderr: the error code when there is one, then the message (which says what to do). */
export function describeError(error: unknown): string {
  if (isZsreError(error)) return `[${error.code}] ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Loads the relation set; a failure becomes LoadFailure naming the file. */
async function openRelations(source: string | Relation[]): Promise<Relation[]> {
  try {
    return await loadRelations(source);
  } catch (error) {
    const name = typeof source === 'string' ? `"${source}"` : '';
    throw new LoadFailure(`cannot load relations ${name}: ${describeError(error)}`, { cause: error });
  }
}

/** Reads a --none-examples file (pairs that hold none of the relations); a failure becomes LoadFailure naming the file. */
export async function openNoneExamples(path: string): Promise<RelationExample[]> {
  try {
    return await readExamplesFile(path);
  } catch (error) {
    throw new LoadFailure(`cannot load the "no relation" examples "${path}": ${describeError(error)}`, { cause: error });
  }
}

/**
 * `--calibration`: a name the model carries ("documents"), or a calibration file fitted on
 * labelled pairs (`zsre calibrate`; anything ending in .json). The file's fields are checked by
 * createExtractor, against the model and the relations.
 */
export async function openCalibration(value: string): Promise<string | CalibrationFile> {
  if (!value.toLowerCase().endsWith('.json')) return value;
  let text: string;
  try {
    text = await readFile(value, 'utf8');
  } catch (error) {
    throw new LoadFailure(`cannot read the calibration file "${value}": ${describeError(error)} (a name without .json is one the model carries, e.g. "documents")`, { cause: error });
  }
  try {
    return JSON.parse(text) as CalibrationFile;
  } catch (error) {
    throw new LoadFailure(`the calibration file "${value}" is not JSON (${(error as Error).message}): write it with zsre calibrate or fitCalibration`, { cause: error });
  }
}

/**
 * Loads the relations first (cheap, and their errors name the file), then the model, so a typo
 * in --relations is reported before seconds of model loading. Both failures become LoadFailure.
 */
export async function openExtractor(
  options: Omit<ExtractorOptions, 'relations'> & { relations: string | Relation[] },
): Promise<Extractor> {
  const relations = await openRelations(options.relations);
  try {
    // Imported on first use: the library pulls in onnxruntime's native module, which `--help`
    // and usage errors should not have to wait for.
    const { createExtractor } = await import('../index.js');
    return await createExtractor({ ...options, relations });
  } catch (error) {
    // A model that cannot load, or an option the model or relations refuse (a calibration fitted for another relation set).
    const what = isZsreError(error) && error.code === 'INVALID_INPUT' ? 'cannot start the extractor' : 'cannot load the model';
    throw new LoadFailure(`${what}${options.model === undefined ? '' : ` "${options.model}"`}: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** As openExtractor, for a pool of worker threads (--workers): relations load first, then the workers. */
export async function openWorkerPool(
  options: Omit<WorkerPoolOptions, 'relations'> & { relations: string | Relation[] },
): Promise<WorkerPool> {
  const relations = await openRelations(options.relations);
  try {
    const { createWorkerPool } = await import('../workers/index.js');
    return await createWorkerPool({ ...options, relations });
  } catch (error) {
    throw new LoadFailure(`cannot start the worker pool${options.model === undefined ? '' : ` for model "${options.model}"`}: ${describeError(error)}`, {
      cause: error,
    });
  }
}
