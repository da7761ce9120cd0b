import type { Manifest } from '../model/manifest.js';
import type { Pipeline } from '../pipeline/runBatch.js';

/**
 * What library code beyond the Extractor interface needs of an extractor it is handed
 * (fitCalibration scores pairs with the pipeline's own stages), kept off the public object.
 */
export interface ExtractorInternals {
  pipeline: Pipeline;
  manifest: Manifest;
  /** throws when the extractor was disposed. */
  checkOpen(): void;
}

const internals = new WeakMap<object, ExtractorInternals>();

export function registerInternals(extractor: object, parts: ExtractorInternals): void {
  internals.set(extractor, parts);
}

export function internalsOf(extractor: object): ExtractorInternals | undefined {
  return internals.get(extractor);
}
