import { z } from 'zod';
import { pipelineOptionsShape, relationInputSchema } from '../schemas.js';
import type { DownloadProgress } from './download.js';

/**
 * zsre/web's createExtractor options: the pipeline options every platform reads, plus where the
 * page finds the model (a URL) and onnxruntime-web's WASM files. Node-only options (`cacheDir`,
 * `index`, relation files and built-in sets) are unknown here, so passing one is an error that
 * names it rather than a setting silently ignored.
 */
export const webExtractorOptionsSchema = z
  .object({
    ...pipelineOptionsShape,
    relations: z.array(relationInputSchema, { error: 'must be an array of relations (files and built-in sets are Node-only)' }),
    /** URL of the model folder (the one that holds manifest.json), absolute or relative to the page. */
    model: z.string().min(1),
    /** URL prefix where ort-wasm-simd-threaded.mjs and .wasm are served; default: onnxruntime-web's own (next to its script). */
    wasmPaths: z.string().min(1).optional(),
    /** Cache API name for the model files (default "zsre-models"); false keeps nothing between visits. */
    cache: z.union([z.string().min(1), z.literal(false)]).optional(),
    /** Progress of the model download, one event per chunk of each file. */
    onDownload: z
      .custom<(event: DownloadProgress) => void>((value) => typeof value === 'function', { message: 'must be a function (event) => void' })
      .optional(),
  })
  .strict();

export type WebExtractorOptions = z.input<typeof webExtractorOptionsSchema>;
