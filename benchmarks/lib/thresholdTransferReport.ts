/**
 * The threshold-transfer table (benchmarks/threshold-transfer.ts results in
 * benchmarks/results/threshold-transfer/): per split model and threshold rule, the precision the
 * rule gives on relation sets other than the ones it was fitted on.
 */
import { benchmarkNamed, readResultFolder } from './resultFolder.js';
import { commitLabel } from './environment.js';

interface Described {
  count: number;
  /** share of sets with no answer at all (left out of the precision figures). */
  silent: number;
  precision: { mean: number; p10: number; median: number; p90: number };
  belowTarget: number;
  belowTargetBy5: number;
  answered: number;
  recall: number;
}

export interface ThresholdTransferResult {
  benchmark: 'threshold-transfer';
  environment: { commit: string; cpu: string; date: string };
  settings: { model: string; split: string; targetPrecision: number; calibrationRelations: number; groupSize: number; draws: number; perRelation: number; pool: { name: string; relations: string[] }[] };
  summary: { rule: string; perGroup: Described; pooledPerDraw: Described }[];
}

export function readThresholdTransferResults(resultsDir: string): ThresholdTransferResult[] {
  return readResultFolder(resultsDir, 'threshold-transfer', benchmarkNamed<ThresholdTransferResult>('threshold-transfer'))
    .sort((a, b) => a.settings.split.localeCompare(b.settings.split) || a.settings.calibrationRelations - b.settings.calibrationRelations);
}

const pct = (x: number) => (100 * x).toFixed(1);

export function thresholdTransferMarkdown(results: readonly ThresholdTransferResult[]): string[] {
  if (results.length === 0) return [];
  const first = results[0] as ThresholdTransferResult;
  const poolSize = first.settings.pool.reduce((sum, set) => sum + set.relations.length, 0);
  const lines = [
    `Relations no FewRel split model trained on (${first.settings.pool.map((set) => `${set.name} ${set.relations.length}`).join(', ')}: ${poolSize} relations, up to ${first.settings.perRelation} sentences each). ` +
      `Per draw (${first.settings.draws} draws per model and fit size), ${first.settings.groupSize} relations (as the export) or more are drawn and the threshold is fitted on them for precision ${first.settings.targetPrecision} as the export fits it; ` +
      `it is measured on the other relations in sets of ${first.settings.groupSize} (half of each relation's sentences missing their relation from the candidates, as in the fit). ` +
      `Precision over the sets given at least one answer: mean, 10th percentile, and the share of sets under the target and under it by more than 5 points; then the share of sets given no answer at all, and answered and recall as means over all sets.`,
    '',
    '| split model | threshold rule | fitted on (relations) | precision mean | 10th percentile | sets under target | under by > 5 points | sets with no answer | answered | recall |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    const own = result.settings.calibrationRelations === result.settings.groupSize;
    for (const row of result.summary) {
      // The model's own threshold does not depend on the draws' size: shown once, from the export-size run.
      const ownRule = row.rule.startsWith("model's own");
      if (ownRule && !own) continue;
      const g = row.perGroup;
      const fittedOn = ownRule ? 'its eval relations' : String(result.settings.calibrationRelations);
      lines.push(`| ${result.settings.split} | ${row.rule} | ${fittedOn} | ${pct(g.precision.mean)} | ${pct(g.precision.p10)} | ${pct(g.belowTarget)}% | ${pct(g.belowTargetBy5)}% | ${pct(g.silent)}% | ${pct(g.answered)}% | ${pct(g.recall)}% |`);
    }
  }
  const runs = results.map((result) => `${result.settings.split}, fitted on ${result.settings.calibrationRelations} (${result.settings.model}, commit ${commitLabel(result.environment)}, ${result.environment.date.slice(0, 10)}, ${result.environment.cpu})`);
  lines.push('', `Runs: ${runs.join('; ')}.`);
  return lines;
}
