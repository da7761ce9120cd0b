/**
 * The few-shot table (benchmarks/fewshot.ts results in benchmarks/results/fewshot/), for the
 * results README and the README's "Teach a relation with examples" section.
 */
import { benchmarkNamed, readResultFolder } from './resultFolder.js';
import { unfittedExampleRule } from '../../src/examples/adapt.js';
import { commitLabel } from './environment.js';

interface Scores { accuracy: number; interval95: number; precision: number; recall: number }
type Method = 'description' | 'prototype' | 'adapted';
interface Row { ways: number; shots: number; noneRate: number; noneShots?: number; opaqueNames?: boolean; episodes: number; scores: Partial<Record<Method, Scores>> }
interface Rule { strength: number; nameOnlyStrength: number; steps: number; competitors: number; commonDirection?: string | null; shotPenalty?: number; nameOnlyShotPenalty?: number; shotPenaltyBase?: number; nameOnlyShotPenaltyBase?: number; noneRelief?: number }
interface PenaltyEffect { noneFrom: string; ways: number; shots: number; noneRate: number; withPenalty: Scores; without: Scores }
interface DirectionEffect { shots: number; noneRate: number; withDirection: Scores; without: Scores }
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
  /** the rule's common direction (adapt.ts), and the same episodes scored with and without it; absent in results before it. */
  commonDirection?: { numbers: number; pairs: number | null; effect: DirectionEffect[] | null } | null;
  /** the rule's shot penalties (adapt.ts) and the same 50%-none episodes scored with and without them; absent in results before it. */
  shotPenalty?: { rule: { described: number; nameOnly: number; describedBase?: number; nameOnlyBase?: number }; effect: PenaltyEffect[] };
  apiAgreement: { queries: number; same: number };
  environment: { commit: string; cpu: string; date: string };
}

export function readFewshotResults(resultsDir: string): FewshotResult[] {
  return readResultFolder(resultsDir, 'fewshot', benchmarkNamed<FewshotResult>('fewshot'));
}

const cell = (scores: Scores | undefined): string => (scores === undefined ? '-' : `${(100 * scores.accuracy).toFixed(1)} ± ${(100 * scores.interval95).toFixed(1)}`);
const setting = (row: Row): string =>
  `${row.ways}-way ${row.shots}-shot${row.noneRate > 0 ? `, ${Math.round(100 * row.noneRate)}% none` : ''}${(row.noneShots ?? 0) > 0 ? `, + ${row.noneShots} "no relation" examples` : ''}${row.opaqueNames === true ? ', names only (no description)' : ''}`;
const share = (scores: Scores | undefined): string => (scores === undefined ? '-' : `${(100 * scores.precision).toFixed(1)}% / ${(100 * scores.recall).toFixed(1)}%`);

/** "b + a x ln(1 + K)", or "a x ln(1 + K)" without a base (results before it have none). */
const penaltyFormula = (slope: number, base: number | undefined): string => `${base === undefined || base === 0 ? '' : `${base} + `}${slope} x ln(1 + K)`;

/** ", shot penalties ... / ..." where the rule has them (results before the penalty have none). */
const penalties = (rule: Rule): string =>
  rule.shotPenalty === undefined
    ? ''
    : `, shot penalties ${penaltyFormula(rule.shotPenalty, rule.shotPenaltyBase)} / ${penaltyFormula(rule.nameOnlyShotPenalty ?? 0, rule.nameOnlyShotPenaltyBase)}${rule.noneRelief === undefined ? '' : ` ("no relation" examples relieve ${rule.noneRelief} x ln(1 + N))`}`;

export function fewshotMarkdown(result: FewshotResult): string[] {
  const { fewrel, chemprot } = result.protocol;
  const lines = [
    `**${fewrel.split === null ? `\`${result.model.name}\` (the shipped model)` : `\`${fewrel.split}\` split model (trained on that split's seen relations only; \`${result.model.directory}\`)`}**, int8 bi-encoder, ` +
      `commit ${commitLabel(result.environment)}, ${result.environment.cpu}, ${result.environment.date.slice(0, 10)}; ` +
      `${result.fewrel[0]?.episodes ?? 0} seeded episodes per row, accuracy in % with its 95% interval. ` +
      `FewRel: ${fewrel.relations.length} relations the model never trained on (${fewrel.relations.join(', ')}), rule strengths ${result.rules.forFewrel.rule.strength} / ${result.rules.forFewrel.rule.nameOnlyStrength}${penalties(result.rules.forFewrel.rule)} (described / names only) fitted on ${fewrel.ruleFittedOn}. ` +
      `ChemProt (train sentences as examples, test sentences as queries; ${chemprot.zeroShot ? 'never seen by this model' : 'the shipped model trained on ChemProt, so its descriptions there are not zero-shot'}), ` +
      `rule strengths ${result.rules.forChemprot.rule.strength} / ${result.rules.forChemprot.rule.nameOnlyStrength}${penalties(result.rules.forChemprot.rule)} fitted on ${chemprot.ruleFittedOn}. ` +
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
  const effect = result.commonDirection?.effect;
  if (effect !== undefined && effect !== null && effect.length > 0) {
    const shown = (s: Scores) => `${(100 * s.accuracy).toFixed(1)} / ${(100 * s.precision).toFixed(1)}% / ${(100 * s.recall).toFixed(1)}%`;
    lines.push(
      '',
      'The common direction (FewRel, 5-way, the same episodes and strengths with and without it): accuracy / precision of the answers given / relation queries answered right — ' +
        effect.map((row) => `K=${row.shots}${row.noneRate > 0 ? `, ${Math.round(100 * row.noneRate)}% none` : ', closed set'}: ${shown(row.withDirection)} with, ${shown(row.without)} without`).join('; ') + '.',
    );
  }
  const penalty = result.shotPenalty;
  if (penalty !== undefined && penalty.effect.length > 0) {
    lines.push(
      '',
      `The shot penalty (a taught relation's logit less ${penaltyFormula(penalty.rule.described, penalty.rule.describedBase)}; the same episodes, half the queries holding none of the relations, model threshold): precision of the answers given / relation queries answered right, with the penalty and without — ` +
        [...new Set(penalty.effect.map((row) => row.noneFrom))]
          .map((from) => {
            const rows = penalty.effect.filter((row) => row.noneFrom === from);
            return `none from ${from} (${rows[0]?.ways}-way): ` + rows.map((row) => (row.shots === 0 ? `K=0: ${share(row.without)}` : `K=${row.shots}: ${share(row.withPenalty)} with, ${share(row.without)} without`)).join('; ');
          })
          .join('. ') + '.',
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
      `The model's own rule (manifest \`fusion.examples\`): ${result.model.manifestRule === null ? `none (the library default: strength ${unfittedExampleRule.strength}, name-only strength ${unfittedExampleRule.nameOnlyStrength})` : `strength ${result.model.manifestRule.strength}, name-only strength ${result.model.manifestRule.nameOnlyStrength}${result.model.manifestRule.shotPenalty === undefined ? '' : `, shot penalty ${penaltyFormula(result.model.manifestRule.shotPenalty, result.model.manifestRule.shotPenaltyBase)}, name-only shot penalty ${penaltyFormula(result.model.manifestRule.nameOnlyShotPenalty ?? 0, result.model.manifestRule.nameOnlyShotPenaltyBase)}, "no relation" relief ${result.model.manifestRule.noneRelief ?? 0}`}${typeof result.model.manifestRule.commonDirection === 'string' ? ', with a common direction' : ''}`}.`,
    '',
  );
  return lines;
}

/**
 * Accuracy (y) against the number of examples per relation (x, K = 0 at the left), closed set: one
 * line per (data, method) of a result; K = 0 is the description for every method.
 */
export function fewshotChart(result: FewshotResult): string {
  // The legend sits in a right margin of its own, clear of the lines.
  const width = 920, height = 420, left = 60, right = 300, top = 30, bottom = 50;
  const series: [string, Row[]][] = [];
  const ways = [...new Set(result.fewrel.map((row) => row.ways))];
  for (const n of ways) series.push([`FewRel ${n}-way`, result.fewrel.filter((row) => row.ways === n && row.noneRate === 0 && (row.noneShots ?? 0) === 0 && row.opaqueNames !== true)]);
  series.push(['ChemProt 5-way', result.chemprot.filter((row) => row.noneRate === 0)]);
  const shots = [...new Set(series.flatMap(([, rows]) => rows.map((row) => row.shots)))].sort((a, b) => a - b);
  const x = (k: number): number => left + (shots.indexOf(k) / Math.max(1, shots.length - 1)) * (width - left - right);
  const values = series.flatMap(([, rows]) => rows.flatMap((row) => Object.values(row.scores).map((scores) => scores.accuracy)));
  const low = Math.max(0, Math.floor(Math.min(...values) * 10) / 10);
  const y = (accuracy: number): number => top + ((1 - accuracy) / (1 - low)) * (height - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${(width - right) / 2}" y="18" text-anchor="middle" font-size="13">${result.protocol.fewrel.split ?? result.model.name}: accuracy against examples per relation (closed set)</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
    `<text x="${(width - right) / 2}" y="${height - 12}" text-anchor="middle">examples per relation (K; 0 = description only)</text>`,
    `<text x="16" y="${height / 2}" transform="rotate(-90 16 ${height / 2})" text-anchor="middle">accuracy (%)</text>`,
  ];
  for (const k of shots) parts.push(`<text x="${x(k)}" y="${height - bottom + 15}" text-anchor="middle">${k}</text>`);
  for (let v = Math.ceil(low * 10) / 10; v <= 1.0001; v += 0.1) parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v * 100)}</text>`);
  const colours = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a'];
  const dashes: Record<Method, string> = { adapted: '', prototype: '6 4', description: '2 3' };
  let legend = 0;
  series.forEach(([name, rows], index) => {
    const colour = colours[index % colours.length] as string;
    for (const method of ['adapted', 'prototype', 'description'] as Method[]) {
      // K = 0 is the description: every method's line starts there.
      const points = rows
        .map((row) => ({ k: row.shots, scores: row.shots === 0 ? row.scores.description : method === 'description' ? undefined : row.scores[method] }))
        .filter((point): point is { k: number; scores: Scores } => point.scores !== undefined);
      if (method === 'description' || points.length < 2) continue;
      const path = points.map((point) => `${x(point.k).toFixed(1)},${y(point.scores.accuracy).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2" stroke-dasharray="${dashes[method]}"/>`);
      legend += 1;
      parts.push(`<text x="${width - right + 12}" y="${top + 10 + 16 * legend}" fill="${colour}">${method === 'adapted' ? '—' : '- -'} ${name}, ${method === 'adapted' ? 'descriptions adapted to the examples' : 'prototype (examples only)'}</text>`);
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export interface FewshotSpeedResult {
  benchmark: 'fewshot-speed';
  relations: number;
  examplesPerRelation: number;
  sentences: number;
  rounds: number;
  threads: number;
  rows: { mode: string; sentencesPerSecond: { descriptions: number; examples: number }; ratio: number; buildSecondsCached: { descriptions: number; examples: number } }[];
  environment: { commit: string; cpu: string; date: string };
}

/** benchmarks/fewshot-speed.ts: throughput with every relation taught by examples against descriptions only. */
export function fewshotSpeedMarkdown(result: FewshotSpeedResult): string[] {
  return [
    `Throughput (\`npm run bench:fewshot-speed\`, commit ${commitLabel(result.environment)}, ${result.environment.cpu}, ${result.environment.date.slice(0, 10)}, ${result.threads} threads): ` +
      `${result.relations} relations, each with ${result.examplesPerRelation} examples or none, the same ${result.sentences} sentences, best of ${result.rounds} interleaved rounds — ` +
      result.rows
        .map((row) => `${row.mode}: ${row.sentencesPerSecond.descriptions.toFixed(1)} sentences/s with descriptions only, ${row.sentencesPerSecond.examples.toFixed(1)} with examples (${(100 * (row.ratio - 1)).toFixed(1)}% ${row.ratio >= 1 ? 'faster' : 'slower'}; a cached build ${row.buildSecondsCached.descriptions.toFixed(1)} s / ${row.buildSecondsCached.examples.toFixed(1)} s)`)
        .join('; ') +
      '.',
    '',
  ];
}
