/**
 * A predictions file: the gold relation and each method's top-1 relation per sentence, in the
 * sentence order of benchmarks/fewrel.ts (the split's test relations in order, each relation's
 * instances from train_wiki_rebuilt.json then val_wiki.json). Both pipelines write it, so their
 * decisions can be compared sentence by sentence (npm run bench:agreement). A method's null marks a
 * sentence it did not score (training/evaluate_fewrel.py's fullcross outside its seeded sample).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { readCheckedJson } from './fewrelFiles.js';

/**
 * {gold, methods: {method: [...]}}; the flat {gold, bi: [...], emma2: [...], ...} that
 * training/evaluate_fewrel.py writes is read as the same thing.
 */
export const predictionsSchema = z
  .preprocess(
    (raw) => (raw !== null && typeof raw === 'object' && !('methods' in raw) && 'gold' in raw ? nestMethods(raw as Record<string, unknown>) : raw),
    z.object({ gold: z.array(z.string()).min(1), methods: z.record(z.string(), z.array(z.string().nullable())) }),
  )
  .superRefine((file, context) => {
    for (const [method, labels] of Object.entries(file.methods)) {
      if (labels.length !== file.gold.length) {
        context.addIssue({ code: 'custom', path: ['methods', method], message: `has ${labels.length} predictions for ${file.gold.length} gold sentences` });
      }
    }
  });
export type Predictions = z.infer<typeof predictionsSchema>;

function nestMethods({ gold, ...methods }: Record<string, unknown>): { gold: unknown; methods: Record<string, unknown> } {
  return { gold, methods };
}

/** A method's labels for every sentence; throws when it left some unscored (null). */
export function everyLabel(predictions: Predictions, method: string): string[] {
  const labels = predictions.methods[method];
  if (labels === undefined) throw new Error(`the predictions file has no method ${method}`);
  const missing = labels.indexOf(null);
  if (missing >= 0) throw new Error(`${method} did not score every sentence (first unscored: ${missing})`);
  return labels as string[];
}

export function readPredictions(path: string): Predictions {
  return readCheckedJson(path, predictionsSchema, 'Write it again with --predictions (npm run bench:fewrel or training/evaluate_fewrel.py).');
}

export function writePredictions(path: string, predictions: Predictions): void {
  const parsed = predictionsSchema.parse(predictions);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(parsed)}\n`);
}

/** `--predictions` with several splits needs "{split}" in the path, so that no split overwrites another. */
export function predictionsPath(template: string, split: string): string {
  return template.replaceAll('{split}', split);
}
