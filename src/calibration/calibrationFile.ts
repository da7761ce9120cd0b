import { z } from 'zod';

/**
 * A "no relation" calibration fitted on a user's own labelled pairs (fitCalibration.ts), passed as
 * createExtractor({ calibration }) or `zsre extract --calibration FILE.json`. Like the model's
 * named calibrations (manifest fusion.calibrations) it replaces the none vector and threshold of
 * both fusion blocks and, where it has them, adds relation biases (by relation id, each one of
 * `relations`); nothing else. It belongs to one model (its vectors are that model's
 * bi-encoder space) and one relation set (what "none" looks like depends on the schema: measured in
 * benchmarks/results/none-vector/), and says so: an extractor with another model or other relations
 * refuses it.
 */
const noneVectorSchema = z.object({ weights: z.array(z.number()).min(1), bias: z.number() }).strict();
const relationBiasesSchema = z.record(z.string().min(1), z.number());
const blockSchema = z.object({ noneVector: noneVectorSchema, threshold: z.number().min(0).max(1), relationBiases: relationBiasesSchema.optional() }).strict();

export const calibrationFileSchema = z
  .object({
    format: z.literal('zsre-calibration'),
    version: z.literal(1),
    model: z.object({ name: z.string(), manifestSha256: z.string().nullable() }).strict(),
    relations: z.array(z.string()).min(1),
    noneVector: noneVectorSchema,
    threshold: z.number().min(0).max(1),
    relationBiases: relationBiasesSchema.optional(),
    biOnly: blockSchema,
    fittedOn: z.record(z.string(), z.unknown()),
  })
  .strict()
  .superRefine((file, context) => {
    // A bias for a relation the file was not fitted with is a file edited by hand or mixed up.
    const fitted = new Set(file.relations);
    for (const [path, biases] of [[['relationBiases'], file.relationBiases], [['biOnly', 'relationBiases'], file.biOnly.relationBiases]] as const) {
      const stray = Object.keys(biases ?? {}).filter((id) => !fitted.has(id));
      if (stray.length > 0) context.addIssue({ code: 'custom', path: [...path, stray[0] as string], message: `relation "${stray[0]}" is not one of the file's relations` });
    }
  });

export type CalibrationFile = z.infer<typeof calibrationFileSchema>;
