/**
 * The few-shot table (benchmarks/fewshot.ts results in benchmarks/results/fewshot/), for the
 * results README and the README's "Teach a relation with examples" section.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Scores { accuracy: number; interval95: number; precision: number; recall: number }
type Method = 'description' | 'prototype' | 'adapted';
interface Row { ways: number; shots: number; noneRate: number; noneShots?: number; opaqueNames?: boolean; episodes: number; scores: Partial<Record<Method, Scores>> }
interface Rule { strength: number; steps: number; competitors: number }
export interface FewshotResult {
  benchmark: 'fewshot';
  model: { name: string; directory: string; manifestRule: Rule | null };
  protocol: {
    fewrel: { relations: string[]; split: string | null; ruleFittedOn: string };
    chemprot: { relations: string[]; ruleFittedOn: string; zeroShot: boolean };
  };
  rules: { forFewrel: { rule: Rule }; forChemprot: { rule: Rule } };
  fewrel: Row[];
  chemprot: Row[];
  crossWithExamples?: { queriesPerRelation: number; rows: { shots: number; biOnly: number; withCrossEncoder: number }[] } | null;
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
const setting = (row: Row): string =>
  `${row.ways}-way ${row.shots}-shot${row.noneRate > 0 ? `, ${Math.round(100 * row.noneRate)}% none` : ''}${(row.noneShots ?? 0) > 0 ? `, + ${row.noneShots} "no relation" examples` : ''}${row.opaqueNames === true ? ', names only (no description)' : ''}`;
const share = (scores: Scores | undefined): string => (scores === undefined ? '-' : `${(100 * scores.precision).toFixed(1)}% / ${(100 * scores.recall).toFixed(1)}%`);

export function fewshotMarkdown(result: FewshotResult): string[] {
  const { fewrel, chemprot } = result.protocol;
  const lines = [
    `**${fewrel.split === null ? `\`${result.model.name}\` (the shipped model)` : `\`${fewrel.split}\` split model (trained on that split's seen relations only)`}**, int8 bi-encoder, ` +
      `commit ${result.environment.commit.slice(0, 8)}, ${result.environment.cpu}, ${result.environment.date.slice(0, 10)}; ` +
      `${result.fewrel[0]?.episodes ?? 0} seeded episodes per row, accuracy in % with its 95% interval. ` +
      `FewRel: ${fewrel.relations.length} relations the model never trained on (${fewrel.relations.join(', ')}), rule strength ${result.rules.forFewrel.rule.strength} fitted on ${fewrel.ruleFittedOn}. ` +
      `ChemProt (train sentences as examples, test sentences as queries; ${chemprot.zeroShot ? 'never seen by this model' : 'the shipped model trained on ChemProt, so its descriptions there are not zero-shot'}), ` +
      `rule strength ${result.rules.forChemprot.rule.strength} fitted on ${chemprot.ruleFittedOn}. ` +
      'With none-of-the-above queries (FewRel 2.0), an answer counts as right when it is the right relation, or "no relation" for those queries, at the model threshold.',
    '',
    '| data | setting | description only | prototype (examples only) | description adapted to the examples (zsre) |',
    '|---|---|---|---|---|',
  ];
  for (const [data, rows] of [['FewRel', result.fewrel], ['ChemProt', result.chemprot]] as const) {
    for (const row of rows) {
      // K = 0 has one method: the description; show it in every column's place only once.
      lines.push(`| ${data} | ${setting(row)} | ${cell(row.scores.description)} | ${cell(row.scores.prototype)} | ${cell(row.scores.adapted)} |`);
    }
  }
  // The abstention target: precision of the answers given, where half the queries hold none of the relations.
  const open = result.fewrel.filter((row) => row.noneRate === 0.5 && (row.noneShots ?? 0) === 0);
  if (open.length > 0) {
    lines.push(
      '',
      'Abstention (FewRel, 50% none-of-the-above, model threshold): precision of the answers given / share of relation queries answered right — ' +
        open.map((row) => `${row.ways}-way K=${row.shots}: ${share(row.shots === 0 ? row.scores.description : row.scores.adapted)}`).join('; ') + '.',
    );
  }
  const cross = result.crossWithExamples;
  if (cross !== undefined && cross !== null) {
    lines.push(
      '',
      `The cross-encoder once examples are there (FewRel, 5-way closed set, the first ${cross.queriesPerRelation} sentences of each relation as queries; the library skips it for sentences with a taught candidate): accuracy bi-only / with the cross-encoder in the model's full fusion — ` +
        cross.rows.map((row) => `K=${row.shots}: ${(100 * row.biOnly).toFixed(1)} / ${(100 * row.withCrossEncoder).toFixed(1)}`).join('; ') + '.',
    );
  }
  lines.push(
    '',
    `The public API (createExtractor with relations carrying examples) gave the same top-1 as these scores on ${result.apiAgreement.same} of ${result.apiAgreement.queries} sampled queries. ` +
      `The model's own rule (manifest \`fusion.examples\`): ${result.model.manifestRule === null ? 'none (the library default, strength 10)' : `strength ${result.model.manifestRule.strength}`}.`,
    '',
  );
  return lines;
}
