/**
 * The methods every zero-shot table compares, each run through the public API:
 * bi-encoder only, EMMA fused at k candidates, and the full cross-encoder over all m relations.
 */
import { createExtractor } from '../../src/index.js';
import type { ExtractResult, StageTimings } from '../../src/index.js';
import type { BenchRelation, GoldItem } from './datasets.js';

/** `emma`: the library's default (manifest topK, adaptive cross-encoder); `emmaK`: k candidates, cross-encoder always on. */
export type MethodName = 'bi' | 'emma' | 'emma2' | 'emma3' | 'emma4' | 'fullcross';
export const allMethods: MethodName[] = ['bi', 'emma2', 'emma3', 'emma4', 'fullcross'];

export interface MethodRun {
  method: MethodName;
  predicted: string[];
  /** the extractor's results, in item order (per-candidate biScore and crossScore). */
  results: ExtractResult[];
  seconds: number;
  sentencesPerSecond: number;
}

export async function runMethod(options: {
  method: MethodName;
  model: string;
  relations: BenchRelation[];
  items: GoldItem[];
  threads?: number;
  cacheDir?: string;
  onProgress?: (done: number, total: number) => void;
  /** milliseconds per pipeline stage are added here (src/pipeline/timings.ts). */
  timings?: StageTimings;
}): Promise<MethodRun> {
  const { method, relations, items } = options;
  const m = relations.length;
  const k = method === 'emma' ? undefined : method.startsWith('emma') ? Number(method.slice(4)) : m;
  const extractor = await createExtractor({
    model: options.model,
    relations,
    useCrossEncoder: method !== 'bi',
    topK: k === undefined ? undefined : method === 'bi' ? Math.min(3, m) : Math.min(k, m),
    recallK: method === 'fullcross' ? m : k === undefined ? undefined : Math.max(Math.min(k, m), Math.min(10, m)),
    rerank: method === 'emma' ? 'adaptive' : 'always',
    threads: options.threads ?? 2,
    cacheDir: options.cacheDir,
  });
  try {
    const started = performance.now();
    const results = await extractor.extractBatch(
      items.map(({ tokens, head, tail }) => ({ tokens, head, tail })),
      { onProgress: options.onProgress, timings: options.timings },
    );
    const seconds = (performance.now() - started) / 1000;
    // Closed-set evaluation (the published protocol): the best candidate counts, abstention is not used.
    const predicted = results.map((result) => {
      if (method === 'fullcross') {
        let best = result.candidates[0]!;
        for (const c of result.candidates) if ((c.crossScore ?? -Infinity) > (best.crossScore ?? -Infinity)) best = c;
        return best.id;
      }
      return result.candidates[0]!.id;
    });
    return { method, predicted, results, seconds, sentencesPerSecond: items.length / seconds };
  } finally {
    await extractor.dispose();
  }
}
