/**
 * The hard subset of a FewRel split (issue 12, the RAIR idea of a general and a harder set): the
 * test relations that have a confusable partner among the candidates, fixed once per split in
 * benchmarks/data/fewrel-hard-relations.json. Its score is the same metric as the full figure,
 * computed on the sentences whose gold relation is hard; predictions still range over all m
 * candidates, so a hard sentence predicted as an easy relation counts against the hard set.
 */
import { existsSync } from 'node:fs';
import { classificationScores, type ClassificationScores } from './metrics.js';
import { hardRelationsSchema, readCheckedJson, type HardRelations } from './fewrelFiles.js';

/** The hard-relations file, or undefined when it does not exist yet; a malformed file is an error. */
export function readHardRelations(path: string): HardRelations | undefined {
  if (!existsSync(path)) return undefined;
  return readCheckedJson(path, hardRelationsSchema, 'Regenerate it with the Python side of issue 12 (the hard-relations script) or fix the field by hand.');
}

/** The split's hard relations, or undefined when the file does not list the split. */
export function hardRelationsOf(file: HardRelations | undefined, split: string, testRelations: readonly string[]): string[] | undefined {
  const entry = file?.splits[split];
  if (entry === undefined) return undefined;
  const foreign = entry.hard.filter((id) => !testRelations.includes(id));
  if (foreign.length > 0) {
    throw new Error(`fewrel-hard-relations.json lists ${foreign.join(', ')} as hard for ${split}, but they are not among its test relations (${testRelations.join(', ')}): regenerate the file from the split files`);
  }
  return entry.hard;
}

export interface HardSubsetResult {
  relations: string[];
  sentences: number;
  methods: ({ method: string } & ClassificationScores)[];
}

/**
 * Scores each method on the sentences of the hard relations only. Undefined when no sentence has a
 * hard gold relation (an empty hard list, or --per-relation cut them all): no score beats a score of 0.
 */
export function hardSubsetScores(
  gold: readonly string[],
  predicted: ReadonlyMap<string, readonly string[]>,
  hard: readonly string[],
): HardSubsetResult | undefined {
  const hardSet = new Set(hard);
  const kept = gold.flatMap((g, i) => (hardSet.has(g) ? [i] : []));
  if (kept.length === 0) return undefined;
  const methods = [...predicted].map(([method, labels]) => {
    if (labels.length !== gold.length) throw new Error(`${method}: ${labels.length} predictions for ${gold.length} sentences`);
    return { method, ...classificationScores(kept.map((i) => gold[i]!), kept.map((i) => labels[i]!)) };
  });
  return { relations: [...hard], sentences: kept.length, methods };
}
