/**
 * The whole-set few-shot table (benchmarks/fewshot-sets.ts results, benchmarks/results/fewshot/sets_*.json)
 * for the results README and the README's "Teach a relation with examples" section.
 */
import { benchmarkNamed, readResultFolder } from './resultFolder.js';
import { commitLabel } from './environment.js';

interface SummaryRow { set: string; relations: number; shots: number; draws: number; macroF1: Record<string, number> }
export interface FewshotSetsResult {
  benchmark: 'fewshot-sets';
  environment: { commit: string; cpu: string; date: string };
  settings: { model: string; split: string; draws: number; queriesPerRelation: number; rule: { strength: number; steps: number } };
  summary: SummaryRow[];
}

export function readFewshotSetsResults(resultsDir: string): FewshotSetsResult[] {
  return readResultFolder(resultsDir, 'fewshot', benchmarkNamed<FewshotSetsResult>('fewshot-sets'), 'sets_');
}

const setNames: Record<string, string> = {
  'docred-unseen': 'DocRED relations outside its training',
  semeval: 'SemEval-2010 Task 8',
  chemprot: 'ChemProt',
};
/** The columns shown, in order: the method names benchmarks/fewshot-sets.ts writes. */
const allColumns: [string, string][] = [
  ['prototype', 'prototype (examples only)'],
  ['adapted (model rule)', 'description adapted to the examples (zsre)'],
  ['adapted (common direction)', 'the same, with a common direction'],
];

export function fewshotSetsMarkdown(result: FewshotSetsResult): string[] {
  const { settings, environment } = result;
  const columns = allColumns.filter(([key]) => result.summary.some((row) => row.macroF1[key] !== undefined));
  const lines = [
    `**Whole relation sets the \`${settings.split}\` split model never trained on** (\`npm run bench:fewshot-sets\`), int8 bi-encoder, commit ${commitLabel(environment)}, ${environment.cpu}, ${environment.date.slice(0, 10)}: ` +
      `every relation of the set at once (closed set), macro F1 in % (mean per-relation F1), mean of ${settings.draws} seeded draws of K examples per relation, ` +
      `up to ${settings.queriesPerRelation} other sentences per relation as queries (the same for every K of a draw); K = 0 is the description alone.`,
    '',
    `| set | relations | K | ${columns.map(([, title]) => title).join(' | ')} | gain over K = 0 (zsre) |`,
    `|---|---|---|${columns.map(() => '---').join('|')}|---|`,
  ];
  for (const set of [...new Set(result.summary.map((row) => row.set))]) {
    const rows = result.summary.filter((row) => row.set === set);
    const first = rows[0] as SummaryRow;
    const zero = first.macroF1.description as number;
    lines.push(`| ${setNames[set] ?? set} | ${first.relations} | 0 | ${columns.map(() => '-').join(' | ')} | ${zero.toFixed(1)} (description) |`);
    for (const row of rows) {
      const zsre = row.macroF1['adapted (model rule)'] as number;
      const gain = zsre - zero;
      lines.push(`| ${setNames[set] ?? set} | ${row.relations} | ${row.shots} | ${columns.map(([key]) => (row.macroF1[key] === undefined ? '-' : (row.macroF1[key] as number).toFixed(1))).join(' | ')} | ${gain >= 0 ? '+' : ''}${gain.toFixed(1)} |`);
    }
  }
  return lines;
}
