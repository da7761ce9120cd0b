/**
 * Agreement between the Python reference pipeline and the TypeScript runtime on one FewRel split
 * (issue 12 item 2): per method the F1 of each and their difference, and, given both predictions
 * files, the share of sentences on which their top-1 relations are the same. Comparing two
 * different models, or two different sentence sets, would measure nothing: both are errors.
 */
import { z } from 'zod';
import { classificationScores } from './metrics.js';
import type { Predictions } from './predictions.js';

/** What the agreement needs from a runtime result file (benchmarks/fewrel.ts output). */
export const runtimeResultSchema = z.object({
  benchmark: z.literal('fewrel-zero-shot'),
  split: z.string(),
  pipeline: z.string().default('typescript-runtime-onnx-int8'),
  sentences: z.number().int().positive(),
  model: z.object({ directory: z.string(), sha256: z.object({ biEncoder: z.string(), crossEncoder: z.string() }) }),
  environment: z.object({ commit: z.string(), cpu: z.string(), cores: z.number().int().positive() }),
  methods: z.array(z.object({ method: z.string(), f1: z.number() })).min(1),
});
export type RuntimeResult = z.infer<typeof runtimeResultSchema>;

/** The fields of a reference result (lib/fewrelFiles.ts) that the agreement reads. */
export interface ReferenceSide {
  split: string;
  pipeline: string;
  sentences: number;
  model: { directory: string; sha256: { biEncoder: string; crossEncoder: string } };
  environment: { commit: string; machine: string };
  /** `sentences`: those the method scored, when fewer than the file's (fullcross on a sample). */
  methods: { method: string; f1: number; sentences?: number }[];
}

export interface MethodAgreement {
  method: string;
  referenceF1: number;
  runtimeF1: number;
  /** runtime minus reference, in F1 (fraction). */
  difference: number;
  /** share of sentences with the same top-1 relation; absent without both predictions files. */
  top1Agreement?: number;
  /**
   * present when a side scored only some sentences (the reference's fullcross sample): both F1s and
   * the top-1 agreement are then on these sentences, recomputed from the predictions files.
   */
  sentences?: number;
}

export const agreementSchema = z.object({
  benchmark: z.literal('fewrel-agreement'),
  split: z.string(),
  sentences: z.number().int().positive(),
  model: z.object({ sha256: z.object({ biEncoder: z.string(), crossEncoder: z.string() }) }),
  reference: z.object({ file: z.string(), pipeline: z.string(), modelDirectory: z.string(), commit: z.string(), machine: z.string() }),
  runtime: z.object({ file: z.string(), pipeline: z.string(), modelDirectory: z.string(), commit: z.string(), machine: z.string() }),
  predictionsCompared: z.boolean(),
  methods: z.array(
    z.object({ method: z.string(), referenceF1: z.number(), runtimeF1: z.number(), difference: z.number(), top1Agreement: z.number().optional(), sentences: z.number().int().positive().optional() }),
  ),
});
export type Agreement = z.infer<typeof agreementSchema>;

export function computeAgreement(options: {
  reference: ReferenceSide;
  runtime: RuntimeResult;
  files: { reference: string; runtime: string };
  predictions?: { reference: Predictions; runtime: Predictions };
}): Agreement {
  const { reference, runtime, predictions } = options;
  for (const graph of ['biEncoder', 'crossEncoder'] as const) {
    const [a, b] = [reference.model.sha256[graph], runtime.model.sha256[graph]];
    if (a !== b) {
      throw new Error(
        `not the same model: ${graph} sha256 is ${a} in the reference (${reference.model.directory}) but ${b} in the runtime run (${runtime.model.directory}). ` +
          'Run npm run bench:fewrel -- --model <the exported model the reference evaluated> on this split.',
      );
    }
  }
  if (reference.split !== runtime.split) throw new Error(`different splits: reference ${reference.split}, runtime ${runtime.split}; pass the two files of one split`);
  if (reference.sentences !== runtime.sentences) {
    throw new Error(`different sentence sets on ${reference.split}: the reference scored ${reference.sentences} sentences, the runtime ${runtime.sentences}; run npm run bench:fewrel without --per-relation`);
  }
  if (predictions) checkSameGold(predictions.reference, predictions.runtime, reference.sentences);
  const methods = reference.methods.flatMap((row): MethodAgreement[] => {
    const other = runtime.methods.find((x) => x.method === row.method);
    if (other === undefined) return [];
    const a = predictions?.reference.methods[row.method];
    const b = predictions?.runtime.methods[row.method];
    const partial = (row.sentences !== undefined && row.sentences < reference.sentences) || a?.includes(null) || b?.includes(null);
    if (partial) {
      // F1 over different sentence sets compares nothing: both sides on the sentences both scored, from the predictions.
      if (!a || !b || !predictions) return [];
      const both = a.flatMap((label, i) => (label !== null && b[i] !== null && b[i] !== undefined ? [i] : []));
      if (both.length === 0) return [];
      const gold = both.map((i) => predictions.reference.gold[i]!);
      const referenceF1 = classificationScores(gold, both.map((i) => a[i]!)).f1;
      const runtimeF1 = classificationScores(gold, both.map((i) => b[i]!)).f1;
      const top1Agreement = both.filter((i) => a[i] === b[i]).length / both.length;
      return [{ method: row.method, referenceF1, runtimeF1, difference: runtimeF1 - referenceF1, top1Agreement, sentences: both.length }];
    }
    const entry: MethodAgreement = { method: row.method, referenceF1: row.f1, runtimeF1: other.f1, difference: other.f1 - row.f1 };
    if (a && b) entry.top1Agreement = a.filter((label, i) => label === b[i]).length / a.length;
    return [entry];
  });
  if (methods.length === 0) throw new Error(`the two files of ${reference.split} share no method: reference ${reference.methods.map((x) => x.method).join(', ')}, runtime ${runtime.methods.map((x) => x.method).join(', ')}`);
  const side = (file: string, pipeline: string, modelDirectory: string, commit: string, machine: string) => ({ file, pipeline, modelDirectory, commit, machine });
  return {
    benchmark: 'fewrel-agreement',
    split: reference.split,
    sentences: reference.sentences,
    model: { sha256: { ...reference.model.sha256 } },
    reference: side(options.files.reference, reference.pipeline, reference.model.directory, reference.environment.commit, reference.environment.machine),
    runtime: side(options.files.runtime, runtime.pipeline, runtime.model.directory, runtime.environment.commit, `${runtime.environment.cores} x ${runtime.environment.cpu}`),
    predictionsCompared: predictions !== undefined,
    methods,
  };
}

/** Sentence-by-sentence comparison is only meaningful when both files list the same gold in the same order. */
function checkSameGold(reference: Predictions, runtime: Predictions, sentences: number): void {
  if (reference.gold.length !== sentences || runtime.gold.length !== sentences) {
    throw new Error(`predictions files cover ${reference.gold.length} (reference) and ${runtime.gold.length} (runtime) sentences, the results ${sentences}: write both with the same run that wrote the result files`);
  }
  const first = reference.gold.findIndex((gold, i) => gold !== runtime.gold[i]);
  if (first >= 0) {
    throw new Error(`the predictions files list their sentences in different orders (first difference at sentence ${first}: ${reference.gold[first]} vs ${runtime.gold[first]}); both must follow benchmarks/fewrel.ts's order`);
  }
}
