import { z } from 'zod';

/**
 * Schema of a model directory's manifest.json (docs/model-directory.md is the source of truth;
 * change it there first). Unknown extra keys are allowed so that a newer exporter adding a field
 * does not break older runtimes; a format version bump is how breaking changes are signalled.
 * Format 2 (what the exporter writes) lists the sha256 of every file the runtime reads and seals
 * the manifest with `manifestSha256`; format 1 (older exports) still loads, unverified.
 */

const dimSchema = z.union([z.number().int().positive(), z.string().min(1)]);

export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(['int64', 'float32']),
  shape: z.array(dimSchema),
});

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

// A plain file name inside the model directory: a listed "../x" would make the loader hash, and
// the hub download write, a file outside it.
const fileNameSchema = z
  .string()
  .min(1)
  .regex(/^[^/\\]+$/, 'must be a file name in the model directory, without a path')
  .refine((name) => name !== '.' && name !== '..', 'must be a file name in the model directory');

const fileRefSchema = z.object({ file: fileNameSchema, sha256: sha256Schema });

export const graphSchema = z.object({
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  files: z.object({ int8: fileRefSchema.optional(), fp32: fileRefSchema.optional() }),
});

// A learned none vector (training/fit_none_vector.py): the "no relation" logit of a sentence is
// noneLogit + bias + weights . v, v its bi-encoder vector. Absent: noneLogit for every sentence.
const noneVectorSchema = z.object({ weights: z.array(z.number()).min(1), bias: z.number() }).strict();

// A named calibration of "no relation" (training/fit_none_vector.py --calibration NAME), chosen
// with createExtractor({ calibration: NAME }): it replaces the none vector and the threshold of
// both fusion blocks and, where it has them, adds relation biases (one per relation id, added to
// that relation's logit; src/fusion/fuse.ts); the weights and the cross gate stay the model's.
// Fitted where most pairs hold none of a given relation schema (documents: Re-DocRED, the 96
// DocRED relations), so it also turns away relations outside that schema: opt-in, never a default.
export const relationBiasesSchema = z.record(z.string().min(1), z.number());
const calibratedBlockShape = {
  noneVector: noneVectorSchema,
  threshold: z.number().min(0).max(1),
  relationBiases: relationBiasesSchema.optional(),
};
const calibrationSchema = z
  .object({
    ...calibratedBlockShape,
    biOnly: z.object(calibratedBlockShape).strict(),
    fittedOn: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type Calibration = z.infer<typeof calibrationSchema>;

const fusionParamsSchema = z.object({
  biWeight: z.number(),
  noneLogit: z.number(),
  threshold: z.number().min(0).max(1),
  noneVector: noneVectorSchema.optional(),
});

const commonShape = {
  format: z.literal('zsre-model'),
  name: z.string().min(1),
  backbone: z.object({ name: z.string(), source: z.string().optional(), hiddenSize: z.number().int().positive() }).passthrough(),
  markers: z.object({ headStart: z.string().min(1), headEnd: z.string().min(1), tailStart: z.string().min(1), tailEnd: z.string().min(1) }),
  // The least that holds [CLS], four markers, one token and [SEP] (the exporter's own limit).
  maxLength: z.object({ sentence: z.number().int().min(7), description: z.number().int().min(3) }),
  description: z.object({ template: z.string().min(1), nameOnlyTemplate: z.string().min(1) }),
  vectorSize: z.number().int().positive(),
  graphs: z.object({ biEncoder: graphSchema, crossEncoder: graphSchema }),
  fusion: fusionParamsSchema.extend({
    topK: z.number().int().positive(),
    crossWeight: z.number(),
    biOnly: fusionParamsSchema,
    fittedOn: z.record(z.string(), z.unknown()).optional(),
    // Adaptive fine-grained stage (training/fit_cross_gate.py): the cross-encoder is skipped for a
    // sentence whose bi-only confidence is at least minConfidence. Absent: it always runs.
    // How the none vectors were fitted (data, targets, script): a record, read by people only.
    noneVectorFit: z.record(z.string(), z.unknown()).optional(),
    calibrations: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case name (letters, digits, "-")'), calibrationSchema).optional(),
    crossGate: z
      .object({
        minConfidence: z.number().min(0).max(1),
        /** below the gate, candidates under this bi-only probability are left unscored (src/pipeline/crossGate.ts); absent: 0. */
        minCandidateProbability: z.number().min(0).max(1).optional(),
        /** an unscored candidate's cross score is taken to be at most this (src/fusion/fuse.ts); absent: no cap. */
        unscoredCrossScore: z.number().optional(),
        fittedOn: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    // How relations taught by example sentences are scored (src/examples/adapt.ts; `strength`
    // fitted by `npm run bench:fewshot -- --write-rule` on relations the model never trained on).
    // Absent: the library's unfitted default rule. The earlier prototype-blend rule (kappa,
    // scale, offset, background) is refused by name, so that a model fitted for it is refitted
    // rather than read with a rule it was not fitted for.
    examples: z
      .object({
        strength: z.number().positive(),
        nameOnlyStrength: z.number().positive(),
        steps: z.number().int().positive().max(10000),
        competitors: z.number().int().positive(),
        // The direction every marked sentence pair shares (adapt.ts): examples move descriptions
        // orthogonally to it. Absent: they move freely (models fitted before it existed).
        commonDirection: z.array(z.number()).min(1).optional(),
        // A taught relation's logit less penalty x ln(1 + its examples) (adapt.ts). Absent: 0
        // (models fitted before it existed).
        shotPenalty: z.number().min(0).optional(),
        nameOnlyShotPenalty: z.number().min(0).optional(),
        // The part of that penalty that does not grow with K: base + penalty x ln(1 + K) (adapt.ts). Absent: 0.
        shotPenaltyBase: z.number().min(0).optional(),
        nameOnlyShotPenaltyBase: z.number().min(0).optional(),
        // What "no relation" examples take back from it (adapt.ts). Absent: 0.
        noneRelief: z.number().min(0).optional(),
        fittedOn: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
  }),
  provenance: z.record(z.string(), z.unknown()),
};

export const manifestV1Schema = z.object({
  ...commonShape,
  formatVersion: z.literal(1),
  tokenizer: z.object({ files: z.array(fileNameSchema).min(1), lowercase: z.boolean() }),
});

export const manifestV2Schema = z.object({
  ...commonShape,
  formatVersion: z.literal(2),
  tokenizer: z.object({ files: z.array(fileRefSchema).min(1), lowercase: z.boolean() }),
  /** sha256 of the manifest's canonical JSON without this field (docs/model-directory.md). */
  manifestSha256: sha256Schema,
});

export const manifestSchema = z.discriminatedUnion('formatVersion', [manifestV1Schema, manifestV2Schema]);

/** The format versions this runtime reads, newest last. */
export const supportedFormatVersions = [1, 2] as const;

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestV1 = z.infer<typeof manifestV1Schema>;
export type ManifestV2 = z.infer<typeof manifestV2Schema>;
export type TensorSpec = z.infer<typeof tensorSpecSchema>;
export type GraphSpec = z.infer<typeof graphSchema>;
export type GraphName = keyof Manifest['graphs'];

/** The tokenizer files a manifest lists, with their sha256 (null in format 1, which has none). */
export function tokenizerFileRefs(manifest: Manifest): { file: string; sha256: string | null }[] {
  return manifest.formatVersion === 1
    ? manifest.tokenizer.files.map((file) => ({ file, sha256: null }))
    : manifest.tokenizer.files.map(({ file, sha256 }) => ({ file, sha256 }));
}

/** The tensor names the runtime feeds and fetches; the manifest must declare them. */
export const requiredNames: Record<GraphName, { inputs: string[]; outputs: string[] }> = {
  biEncoder: {
    inputs: ['input_ids', 'attention_mask', 'head_index', 'tail_index'],
    outputs: ['sentence_vector', 'description_vector'],
  },
  crossEncoder: { inputs: ['input_ids', 'attention_mask', 'token_type_ids'], outputs: ['score'] },
};

/**
 * Inputs a graph may declare beyond the required ones: a cross-encoder that pools at the entity
 * markers reads the sentence's marker positions (both or neither; docs/model-directory.md).
 */
export const optionalInputs: Record<GraphName, string[]> = {
  biEncoder: [],
  crossEncoder: ['head_index', 'tail_index'],
};

/** Whether the manifest's cross-encoder graph pools at the markers (reads head/tail index). */
export function crossReadsMarkers(manifest: Pick<Manifest, 'graphs'>): boolean {
  return manifest.graphs.crossEncoder.inputs.some((input) => input.name === 'head_index');
}
