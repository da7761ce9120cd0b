/**
 * The "models that know none" ablation table (issue 21): training/evaluate_documents.py results in
 * benchmarks/results/none-training/*.json, one per training run, for the results README and the
 * README's documents section. Each run's bi-encoder (torch fp32) on Re-DocRED sentence pairs, with
 * thresholds fitted on calibration documents, and its closed-set F1 on held-out FewRel relations.
 */
import { readResultFolder } from './resultFolder.js';

interface Scores { threshold: number; answered: number; related: number; precision: number; recall: number; f1: number }
interface Row {
  operatingPoint: string;
  reachedOnCalibration?: false;
  all?: Scores;
  calibration?: Scores;
  unseenRelations?: Scores;
  wrongAnswers?: { wrong: number; onPairsHoldingNothing: number; wrongRelationOfRelatedPair: number };
}
export interface NoneTrainingResult {
  benchmark: string;
  run: string;
  recipe: string;
  /** the run whose bi-encoder this one started from (bi_encoder.init_from); absent or null: the backbone. */
  biEncoderInitFrom?: { run: string; sha256: string } | null;
  commit: string | null;
  nonePairs: { documents: number; noneKept: number; positivesKept: number; learnedNoneCosine: number | null } | null;
  trainInstances: number;
  documents: { seed: number; calibration: number; measuring: number; measuringPairs: number; measuringRelated: number };
  unseenRelations: string[];
  rows: Row[];
  ranking: { related: number; top1Right: number };
  closedSetHeldOut: { relations: string[]; sentences: number; bi: { f1: number; macroF1: number } };
  machine: { cpu: string };
  createdAt: string;
}

export function isNoneTrainingResult(value: unknown): value is NoneTrainingResult {
  return typeof value === 'object' && value !== null && typeof (value as { benchmark?: unknown }).benchmark === 'string' &&
    (value as { benchmark: string }).benchmark.startsWith('documents-python');
}

export function readNoneTrainingResults(resultsDir: string): NoneTrainingResult[] {
  return readResultFolder(resultsDir, 'none-training', isNoneTrainingResult)
    // Baseline (no none pairs) first, then by the number of none pairs.
    .sort((a, b) => (a.nonePairs?.noneKept ?? 0) - (b.nonePairs?.noneKept ?? 0) || a.run.localeCompare(b.run));
}

const point = (result: NoneTrainingResult, prefix: string): Row | undefined => result.rows.find((row) => row.operatingPoint.startsWith(prefix));
const prf = (s: Scores | undefined): string => (s === undefined ? '- | - | -' : `${s.precision.toFixed(1)} | ${s.recall.toFixed(1)} | ${s.f1.toFixed(1)}`);

export function noneTrainingMarkdown(results: readonly NoneTrainingResult[]): string[] {
  if (results.length === 0) return [];
  const first = results[0] as NoneTrainingResult;
  const { documents } = first;
  const lines = [
    `**Training with pairs that hold nothing** (\`training/evaluate_documents.py\`, one run per row, bi-encoder only, torch fp32, ${first.machine.cpu}). ` +
      `Recipe: the held-out default recipe on 2 CPU cores (\`training/configs/none/\`: FewRel m=10 "ori" train relations, SemEval, KBP37, DocRED sentences; ` +
      `${first.closedSetHeldOut.relations.length} FewRel test relations and the eval relations held out, with the DocRED relations of the same ids), plus the related pairs of ` +
      `${first.nonePairs?.documents ?? 0} Re-DocRED dev documents that bench:documents never fits or measures on, plus, per row, that many of their pairs that hold no relation against a "none" column in the loss (its cosine learned from the start value given; it barely moves at this learning rate). Runs are compared on the calibration documents; the measuring documents only report. ` +
      `Measured on ${documents.measuring} Re-DocRED documents (${documents.measuringPairs} sentence pairs, ${documents.measuringRelated} related; seed ${documents.seed}), thresholds fitted on ${documents.calibration} others; ` +
      `never-seen relations: the ${first.unseenRelations.length} DocRED relations the recipe holds out. Closed set: bi-encoder F1 on the held-out FewRel relations (${first.closedSetHeldOut.sentences} sentences).`,
    '',
    '| recipe (training/configs/none/) | none pairs | none cosine | closed-set F1 | best F1 on the calibration documents (the choice) | best-F1 threshold (fitted on calibration): P / R / F1 | same, never-seen relations: P / R / F1 | wrong answers: on pairs holding nothing / wrong relation | precision-70% threshold (fitted on calibration): P / R / F1 | right relation ranked first (related pairs) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    const best = point(result, 'best F1 (fitted');
    const precise = point(result, 'precision');
    const wrong = best?.wrongAnswers;
    const recipe = result.recipe.split('/').pop()?.replace(/\.yaml$/, '') ?? '-';
    lines.push(`| ${recipe}${result.biEncoderInitFrom ? ` (from ${result.biEncoderInitFrom.run})` : ''} | ${result.nonePairs?.noneKept ?? 0} | ${result.nonePairs?.learnedNoneCosine?.toFixed(2) ?? '-'} | ${result.closedSetHeldOut.bi.f1.toFixed(1)} | ${best?.calibration?.f1.toFixed(1) ?? '-'} | ${prf(best?.all).replaceAll(' | ', ' / ')} | ${prf(best?.unseenRelations).replaceAll(' | ', ' / ')} | ` +
      `${wrong === undefined ? '-' : `${wrong.onPairsHoldingNothing} / ${wrong.wrongRelationOfRelatedPair}`} | ` +
      `${precise?.all === undefined ? 'not reached on calibration' : prf(precise.all).replaceAll(' | ', ' / ')} | ${result.ranking.top1Right.toFixed(1)}% |`);
  }
  const commits = [...new Set(results.map((r) => (r.commit ?? 'unknown').slice(0, 8)))];
  lines.push('', `Runs trained at commit ${commits.join(', ')}; one seed each.`);
  return lines;
}
