/**
 * The files of the FewRel table (issue 12), validated at the boundary with zod:
 *  - benchmarks/results/fewrel/<split>.json: one split scored by the Python reference pipeline
 *    (training/evaluate_fewrel.py);
 *  - benchmarks/results/fewrel/status.json: all 15 splits with their state and, for the missing
 *    ones, the reason;
 *  - benchmarks/data/fewrel-hard-relations.json: per split, the test relations with a
 *    confusable partner (the hard subset).
 * A file in the wrong shape stops the reader with its path, the field and what to do, instead of
 * a table built from half a file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

const fraction = z.number().min(0).max(1);

export const methodScoresSchema = z.object({
  method: z.enum(['bi', 'emma2', 'emma3', 'emma4', 'fullcross']),
  precision: fraction,
  recall: fraction,
  f1: fraction,
  accuracy: fraction,
  macroF1: fraction,
  sentences: z.number().int().nonnegative(),
});
export type MethodScores = z.infer<typeof methodScoresSchema>;

export const hardSubsetScoresSchema = z.object({
  relations: z.array(z.string()),
  sentences: z.number().int().nonnegative(),
  methods: z.array(methodScoresSchema),
});
export type HardSubsetScores = z.infer<typeof hardSubsetScoresSchema>;

/** The split seed as the split files name it ("ori", "40" ... "43"); a number is read as its text. */
const seedSchema = z.union([z.string().min(1), z.number().int()]).transform(String);

export const referenceResultSchema = z.object({
  benchmark: z.literal('fewrel-zero-shot'),
  split: z.string().regex(/^fewrel_m\d+_[A-Za-z0-9]+$/, 'must look like fewrel_m5_ori'),
  m: z.number().int().positive(),
  seed: seedSchema,
  pipeline: z.string().min(1),
  testRelations: z.array(z.string()),
  sentences: z.number().int().positive(),
  model: z.object({
    directory: z.string(),
    name: z.string(),
    sha256: z.object({ biEncoder: z.string(), crossEncoder: z.string() }),
    provenance: z.record(z.string(), z.unknown()),
  }),
  // null where the evaluator was not told (no --run / --profile); the report shows "?".
  budget: z.object({
    profile: z.string().nullable(),
    recipe: z.string().nullable(),
    trainInstances: z.number().int().nonnegative().nullable(),
    // null: every sentence of the seen relations (the papers' setting).
    maxPerRelation: z.number().int().positive().nullable(),
    biEncoderEpochs: z.number().nonnegative().nullable(),
    crossEncoderSteps: z.number().int().nonnegative().nullable(),
    device: z.string().nullable(),
    /** wall-clock of the training run (run.json) and of its export (the driver's export.json); absent in older files. */
    trainSeconds: z.number().nonnegative().nullable().optional(),
    exportSeconds: z.number().nonnegative().nullable().optional(),
  }),
  environment: z.object({ commit: z.string(), machine: z.string(), cpus: z.number().int().positive(), createdAt: z.string() }),
  methods: z.array(methodScoresSchema).min(1),
  hardSubset: hardSubsetScoresSchema.nullable().optional(),
  /**
   * The sentences the full cross-encoder scored (training/evaluate_fewrel.py --fullcross-sample):
   * a fixed, seeded sample of `of`; absent in files written before it sampled (every sentence).
   */
  fullcrossSample: z
    .object({ sentences: z.number().int().positive(), of: z.number().int().positive(), seed: z.number().int().nullable(), sampled: z.boolean() })
    .optional(),
  /** cross-encoder pairs scored; absent in older files (every sentence with all m). */
  crossPairs: z.number().int().nonnegative().optional(),
  seconds: z.number().nonnegative(),
  /** the encoders alone (n sentences x m bi-encoder scores + crossPairs). */
  scoringSeconds: z.number().nonnegative().optional(),
});
export type ReferenceResult = z.infer<typeof referenceResultSchema>;

export const splitStates = ['done', 'trained-not-evaluated', 'running-or-partial', 'not-run'] as const;
export type SplitState = (typeof splitStates)[number];

// "not run" (with a space, as the issue words it) and "not-run" are the same state.
const stateSchema = z
  .string()
  .transform((state) => (state === 'not run' ? 'not-run' : state))
  .pipe(z.enum(splitStates));
// exported / checkpoint: what training/fewrel_status.py records for trained and for partial runs.
const statusEntrySchema = z.object({ state: stateSchema, reason: z.string().optional(), exported: z.boolean().optional(), checkpoint: z.boolean().optional() });

/** Either {splits: [{split, state, reason}]} or {splits: {<split>: {state, reason}}}. */
export const statusSchema = z
  .object({
    splits: z.union([
      z.array(statusEntrySchema.extend({ split: z.string() })),
      z.record(z.string(), statusEntrySchema),
    ]),
  })
  .transform(({ splits }) => (Array.isArray(splits) ? splits : Object.entries(splits).map(([split, entry]) => ({ split, ...entry }))));
export type SplitStatus = z.infer<typeof statusSchema>[number];

export const hardRelationsSchema = z.object({
  encoder: z.string(),
  threshold: z.number(),
  listedPairs: z.array(z.tuple([z.string(), z.string(), z.string()])),
  splits: z.record(
    z.string(),
    z.object({ hard: z.array(z.string()), partners: z.record(z.string(), z.array(z.string())) }),
  ),
});
export type HardRelations = z.infer<typeof hardRelationsSchema>;

/** A file parsed as JSON and checked against `schema`; the error names the file, the field and the fix. */
export function readCheckedJson<T>(path: string, schema: z.ZodType<T, unknown>, fix: string): T {
  if (!existsSync(path)) throw new Error(`${path} does not exist. ${fix}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}). ${fix}`, { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = mostSpecificIssue(parsed.error.issues, []);
  const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new Error(`Invalid ${path}: field "${field}" ${issue.message}. ${fix}`, { cause: parsed.error });
}

/** A failed union says only "Invalid input"; the branch with the fewest problems is the one the file meant. */
function mostSpecificIssue(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const issue = issues[0];
  if (issue === undefined) return { path: prefix, message: 'is invalid' };
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
    return mostSpecificIssue(closest, path);
  }
  return { path, message: issue.message };
}

/** The 15 splits of the papers' table, m-major, seeds in publication order. */
export const fewrelSeeds = ['ori', '40', '41', '42', '43'] as const;
export const fewrelSizes = [5, 10, 15] as const;
export const allFewrelSplits = fewrelSizes.flatMap((m) => fewrelSeeds.map((seed) => `fewrel_m${m}_${seed}`));
