/**
 * The few-shot table (benchmarks/fewshot.ts results in benchmarks/results/fewshot/), for the
 * results README and the README's "Teach a relation with examples" section.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Scores { accuracy: number; interval95: number; precision: number; recall: number }
interface Row { ways: number; shots: number; noneRate: number; episodes: number; scores: Partial<Record<'description' | 'examples' | 'blended', Scores>> }
interface Rule { kappa: number; scale: number; offset: number; background: number }
export interface FewshotResult {
  benchmark: 'fewshot';
  model: { name: string; manifestRule: Rule | null };
  protocol: { fewrel: { relations: string[] }; chemprot: { relations: string[] } };
  rules: { fittedOnFewrel: { rule: Rule }; fittedOnChemprot: { rule: Rule } };
  fewrel: Row[];
  chemprot: Row[];
  apiAgreement: { queries: number; same: number };
  environment: { commit: string; cpu: string; date: string };
}

export function readFewshotResults(resultsDir: string): FewshotResult[] {
  const folder = join(resultsDir, 'fewshot');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as FewshotResult)
    .filter((result) => result.benchmark === 'fewshot');
}

const cell = (scores: Scores | undefined): string => (scores === undefined ? '-' : `${(100 * scores.accuracy).toFixed(1)} ± ${(100 * scores.interval95).toFixed(1)}`);
const ruleText = (rule: Rule): string => `kappa ${rule.kappa}, scale ${rule.scale}, offset ${rule.offset}`;

export function fewshotMarkdown(result: FewshotResult): string[] {
  const lines = [
    `Model \`${result.model.name}\` (int8 bi-encoder), commit ${result.environment.commit.slice(0, 8)}, ${result.environment.cpu}, ${result.environment.date.slice(0, 10)}; ` +
      `${result.fewrel[0]?.episodes ?? 0} seeded episodes per row, accuracy in % with its 95% interval. ` +
      `FewRel: the model's ${result.protocol.fewrel.relations.length} never-trained relations (${result.protocol.fewrel.relations.join(', ')}), ` +
      `scored with the rule fitted on ChemProt (${ruleText(result.rules.fittedOnChemprot.rule)}); ChemProt (train sentences as examples, test sentences as queries; ` +
      `the shipped model trained on ChemProt, so its descriptions there are not zero-shot) with the rule fitted on FewRel (${ruleText(result.rules.fittedOnFewrel.rule)}). ` +
      'With none-of-the-above queries (FewRel 2.0), an answer counts as right when it is the right relation, or "no relation" for those queries, at the model threshold.',
    '',
    '| data | setting | description only | examples only | description + examples |',
    '|---|---|---|---|---|',
  ];
  for (const [data, rows] of [['FewRel', result.fewrel], ['ChemProt', result.chemprot]] as const) {
    for (const row of rows) {
      const setting = `${row.ways}-way ${row.shots}-shot${row.noneRate > 0 ? `, ${Math.round(100 * row.noneRate)}% none` : ''}`;
      lines.push(`| ${data} | ${setting} | ${cell(row.scores.description)} | ${cell(row.scores.examples)} | ${cell(row.scores.blended)} |`);
    }
  }
  // The abstention target: precision of the answers given, where half the queries hold none of the relations.
  const open = result.fewrel.filter((row) => row.noneRate === 0.5 && row.shots > 0);
  if (open.length > 0) {
    lines.push(
      '',
      'Abstention with examples (FewRel, 50% none-of-the-above, model threshold): precision of the answers given / share of relation queries answered right — ' +
        open.map((row) => `K=${row.shots}: ${row.scores.blended === undefined ? '-' : `${(100 * row.scores.blended.precision).toFixed(1)}% / ${(100 * row.scores.blended.recall).toFixed(1)}%`}`).join('; ') +
        `; description only: ${((s) => (s === undefined ? '-' : `${(100 * s.precision).toFixed(1)}% / ${(100 * s.recall).toFixed(1)}%`))(result.fewrel.find((row) => row.noneRate === 0.5 && row.shots === 0)?.scores.description)}.`,
    );
  }
  lines.push(
    '',
    `The public API (createExtractor with relations carrying examples) gave the same top-1 as these scores on ${result.apiAgreement.same} of ${result.apiAgreement.queries} sampled queries. ` +
      `The model's own rule (manifest \`fusion.examples\`, fitted on both sources): ${result.model.manifestRule === null ? 'none (the library default)' : ruleText(result.model.manifestRule)}.`,
  );
  return lines;
}
