import { z } from 'zod';

/**
 * Schema of a model directory's manifest.json (docs/model-directory.md is the source of truth;
 * change it there first). Unknown extra keys are allowed so that a newer exporter adding a field
 * does not break older runtimes; a format version bump is how breaking changes are signalled.
 */

const dimSchema = z.union([z.number().int().positive(), z.string().min(1)]);

export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(['int64', 'float32']),
  shape: z.array(dimSchema),
});

const fileRefSchema = z.object({
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
});

export const graphSchema = z.object({
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  files: z.object({ int8: fileRefSchema.optional(), fp32: fileRefSchema.optional() }),
});

const fusionParamsSchema = z.object({
  biWeight: z.number(),
  noneLogit: z.number(),
  threshold: z.number().min(0).max(1),
});

export const manifestSchema = z.object({
  format: z.literal('zsre-model'),
  formatVersion: z.literal(1),
  name: z.string().min(1),
  backbone: z.object({ name: z.string(), source: z.string().optional(), hiddenSize: z.number().int().positive() }).passthrough(),
  tokenizer: z.object({ files: z.array(z.string().min(1)).min(1), lowercase: z.boolean() }),
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
    crossGate: z.object({ minConfidence: z.number().min(0).max(1), fittedOn: z.record(z.string(), z.unknown()).optional() }).optional(),
  }),
  provenance: z.record(z.string(), z.unknown()),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type TensorSpec = z.infer<typeof tensorSpecSchema>;
export type GraphSpec = z.infer<typeof graphSchema>;
export type GraphName = keyof Manifest['graphs'];

/** The tensor names the runtime feeds and fetches; the manifest must declare them. */
export const requiredNames: Record<GraphName, { inputs: string[]; outputs: string[] }> = {
  biEncoder: {
    inputs: ['input_ids', 'attention_mask', 'head_index', 'tail_index'],
    outputs: ['sentence_vector', 'description_vector'],
  },
  crossEncoder: { inputs: ['input_ids', 'attention_mask', 'token_type_ids'], outputs: ['score'] },
};
