/**
 * The FewRel section of benchmarks/results/README.md (issue 12), from
 *   benchmarks/results/fewrel/<split>.json      the Python reference pipeline, one file per split
 *   benchmarks/results/fewrel/status.json       all 15 splits' states and the reasons for missing ones
 *   benchmarks/results/fewrel/agreement/*.json  reference vs TypeScript runtime (npm run bench:agreement)
 *   benchmarks/results/fewrel-cpu30/*.json      the previous budget's TypeScript runtime runs
 * and the chart's points. Works with none of them present and says so.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { repoPath } from './environment.js';
import { meanAndStd } from './metrics.js';
import { agreementSchema, type Agreement } from './agreement.js';
import { allFewrelSplits, fewrelSeeds, fewrelSizes, readCheckedJson, referenceResultSchema, statusSchema, type ReferenceResult, type SplitStatus } from './fewrelFiles.js';
import { budgetsDiffer, emmaTargets, missingSplits, summarizeBySize, checkResults, tableMethods, targetRows, type Stat } from './fewrelSummary.js';
import type { SeedChartPoint } from './seedChart.js';

/** What the previous budget's table reads from the older runtime result files. */
const previousResultSchema = z.object({
  split: z.string(),
  m: z.number(),
  seed: z.string(),
  methods: z.array(z.object({ method: z.string(), f1: z.number(), macroF1: z.number() })),
  model: z.object({ provenance: z.object({ trainInstances: z.number().optional(), trainRelations: z.number().optional() }).loose() }),
});
type PreviousResult = z.infer<typeof previousResultSchema>;

export interface FewrelInputs {
  results: { file: string; result: ReferenceResult }[];
  status?: SplitStatus[];
  agreements: Agreement[];
  previous: PreviousResult[];
}

/** Sorted file names: readdir order differs between file systems, and the report must not. */
const jsonFiles = (dir: string, name = /\.json$/) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => name.test(f)).sort().map((f) => join(dir, f)) : [];
/** A split's result file; status.json and predictions files (<split>.predictions.json) sit beside them. */
const splitResultName = /^fewrel_m\d+_[A-Za-z0-9]+\.json$/;

/**
 * `folder`: `fewrel` (the table, the cpu profile or the GPU recipe) or a profile's own folder
 * beside it (`fewrel-cpu-cross1500`: training/fewrel_cpu.sh writes a profile other than cpu there).
 * The previous budget's runs belong to the table only.
 */
export function readFewrelInputs(resultsDir: string, folder = 'fewrel'): FewrelInputs {
  const dir = join(resultsDir, folder);
  const results = jsonFiles(dir, splitResultName).map((path) => ({
    file: repoPath(path),
    result: readCheckedJson(path, referenceResultSchema, 'Per-split files here come from training/evaluate_fewrel.py; runtime runs belong in fewrel/runtime/.'),
  }));
  checkResults(results);
  // m-major, seeds in publication order, like the table (file names sort 10 before 5).
  results.sort((a, b) => allFewrelSplits.indexOf(a.result.split) - allFewrelSplits.indexOf(b.result.split));
  const statusFile = join(dir, 'status.json');
  const status = existsSync(statusFile) ? readCheckedJson(statusFile, statusSchema, 'It lists all 15 splits as {"splits": [{"split", "state", "reason"}]}.') : undefined;
  const agreements = jsonFiles(join(dir, 'agreement')).map((path) => readCheckedJson(path, agreementSchema, 'Write it again with npm run bench:agreement.'));
  const previous = (folder === 'fewrel' ? jsonFiles(join(resultsDir, 'fewrel-cpu30')) : []).map((path) => readCheckedJson(path, previousResultSchema, 'These are the previous budget\'s npm run bench:fewrel files.'));
  return { results, status, agreements, previous };
}

const seedRank = (seed: string) => (fewrelSeeds as readonly string[]).indexOf(seed);
const pct = (x: number) => (x * 100).toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : '-'}${pct(Math.abs(x))}`;
/** "mean ± std" with the sample std; a single value has no spread to show. */
const meanStd = (s: Stat) => (s.n === 0 ? '-' : s.n > 1 ? `${pct(s.mean)} ± ${pct(s.std)}` : pct(s.mean));
const count = (x: number) => x.toLocaleString('en-US');
/** How the full cross-encoder rows at one m were scored: every sentence, or a seeded sample (per seed when they differ). */
function sampleNote(atM: readonly ReferenceResult[]): string {
  const sampled = atM.filter((r) => r.fullcrossSample?.sampled);
  if (sampled.length === 0) return '';
  const sizes = [...new Set(sampled.map((r) => `${count(r.fullcrossSample!.sentences)} of ${count(r.fullcrossSample!.of)}`))];
  const which = sampled.length === atM.length ? '' : ` in ${sampled.length} of ${atM.length} seeds (${sampled.map((r) => r.seed).join(', ')}), all sentences in the others`;
  return ` (*sampled*: ${sizes.join(' / ')} sentences${which})`;
}
const methodLabel = (method: string) => (method === 'bi' ? 'bi-encoder' : method === 'fullcross' ? 'full cross-encoder' : `EMMA k=${method.slice(4)}`);

export function fewrelMarkdown(inputs: FewrelInputs): string[] {
  const { results, status, agreements, previous } = inputs;
  const reference = results.map((r) => r.result);
  const summaries = summarizeBySize(reference);
  const lines = ['## FewRel zero-shot, the 15 splits (issue 12)', ''];
  if (reference.length === 0) {
    lines.push('**No per-split result files in `benchmarks/results/fewrel/` yet**, so there is no table for the 15 splits: `training/evaluate_fewrel.py` writes them, then `npm run bench:report` fills this section. The previous budget\'s figures are below.');
  } else {
    lines.push(
      `Python reference pipeline (ONNX int8), ${reference.length} of 15 splits${reference.length < 15 ? ' (means over fewer than five seeds where a split is missing)' : ''}.`,
      'P / R / F1: the ZS-BERT / RE-Matching / EMMA metric (`../shared/data/README.md`); macro-F1: the mean of per-class F1 (the metric GLiREL reports).',
      '± is the sample standard deviation (n − 1) over the seeds present; with one seed no std is shown.',
      'Hard-subset F1: the same metric on the sentences of the split\'s test relations with a confusable partner (`benchmarks/data/fewrel-hard-relations.json`).',
      '',
      'Seeds per m: ' + [5, 10, 15].map((m) => {
        const seeds = summaries.find((s) => s.m === m)?.seeds ?? [];
        return `m=${m}: ${seeds.length}${seeds.length ? ` (${seeds.join(', ')})` : ''}`;
      }).join('; ') + '.',
      '',
      '| m | method | seeds | P | R | F1 | macro-F1 | hard-subset F1 |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const size of summaries) {
      for (const row of size.methods) {
        const hard = row.hardF1.n === 0 ? '-' : `${meanStd(row.hardF1)}${row.hardF1.n < row.f1.n ? ` (${row.hardF1.n} of ${row.f1.n} seeds)` : ''}`;
        const label = row.method === 'fullcross' ? `${methodLabel(row.method)}${sampleNote(reference.filter((r) => r.m === size.m))}` : methodLabel(row.method);
        lines.push(`| ${size.m} | ${label} | ${row.f1.n} | ${meanStd(row.precision)} | ${meanStd(row.recall)} | ${meanStd(row.f1)} | ${meanStd(row.macroF1)} | ${hard} |`);
      }
    }
    if (reference.some((r) => r.fullcrossSample?.sampled)) {
      lines.push(
        '',
        'Full cross-encoder marked *sampled*: every sentence of the split against all m relations is most of the evaluation\'s cost, so from issue 24 on `training/evaluate_fewrel.py` runs it on a fixed, seeded sample of the test sentences (`--fullcross-sample`, default 1,000; the seed and size are in each file\'s `fullcrossSample`), and its P / R / F1 are on those sentences only. The bi-encoder and EMMA rows cover every test sentence.',
      );
    }
    lines.push('', ...targetsMarkdown(summaries), '', ...budgetMarkdown(results));
  }
  lines.push('', ...missingMarkdown(reference.map((r) => r.split), status), '', ...agreementMarkdown(agreements), '', ...previousMarkdown(previous), '');
  return lines;
}

/**
 * The README's short form of a table: F1 (mean ± sample std over the seeds) per m and method, and
 * the distance to the targets; benchmarks/results/README.md has the rest (P / R, budget, agreement).
 */
export function fewrelSummaryMarkdown(inputs: FewrelInputs): string[] {
  const reference = inputs.results.map((r) => r.result);
  if (reference.length === 0) return ['No result files yet.'];
  const summaries = summarizeBySize(reference);
  const lines = [
    `Seeds per m: ${fewrelSizes.map((m) => {
      const seeds = summaries.find((s) => s.m === m)?.seeds ?? [];
      return `m=${m}: ${seeds.length}${seeds.length ? ` (${seeds.join(', ')})` : ''}`;
    }).join('; ')}. F1 in %, mean ± sample std over the seeds (P / R / F1 as ZS-BERT, RE-Matching and EMMA define them).`,
    '',
    `| m | seeds | ${tableMethods.map(methodLabel).join(' | ')} |`,
    `|---|---|${tableMethods.map(() => '---|').join('')}`,
  ];
  for (const size of summaries) {
    const cell = (method: string) => {
      const row = size.methods.find((x) => x.method === method);
      return row === undefined ? '-' : `${meanStd(row.f1)}${method === 'fullcross' && reference.some((r) => r.m === size.m && r.fullcrossSample?.sampled) ? ' (sampled)' : ''}`;
    };
    lines.push(`| ${size.m} | ${size.seeds.length} | ${tableMethods.map(cell).join(' | ')} |`);
  }
  return [...lines, '', ...targetsMarkdown(summaries).slice(2)];
}

/**
 * The same splits under two budgets, one row per split both have: how the bi-encoder, EMMA k=3
 * and the full cross-encoder moved (issue 24 item 4: does the cross-encoder earn its cost with
 * more steps, split by split?).
 */
export function budgetComparisonMarkdown(base: FewrelInputs, other: FewrelInputs, baseLabel: string, otherLabel: string): string[] {
  const f1 = (result: ReferenceResult, method: string) => result.methods.find((x) => x.method === method)?.f1;
  const cell = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? '-' : `${pct(a)} → ${pct(b)} (${signed(b - a)})`;
  const rows = other.results.flatMap(({ result }) => {
    const before = base.results.find((r) => r.result.split === result.split)?.result;
    if (before === undefined) return [];
    const emmaOverBi = (r: ReferenceResult) => {
      const emma = f1(r, 'emma3');
      const bi = f1(r, 'bi');
      return emma === undefined || bi === undefined ? '-' : signed(emma - bi);
    };
    return [`| ${result.split} | ${cell(f1(before, 'bi'), f1(result, 'bi'))} | ${cell(f1(before, 'emma3'), f1(result, 'emma3'))} | ${cell(f1(before, 'fullcross'), f1(result, 'fullcross'))} | ${emmaOverBi(before)} → ${emmaOverBi(result)} |`];
  });
  if (rows.length === 0) return [`No split has results under both ${baseLabel} and ${otherLabel} yet.`];
  return [
    `F1 in %, ${baseLabel} → ${otherLabel}, on the splits that have both (full cross-encoder on each file's seeded sample):`,
    '',
    '| split | bi-encoder | EMMA k=3 | full cross-encoder | EMMA k=3 − bi |',
    '|---|---|---|---|---|',
    ...rows,
  ];
}

function targetsMarkdown(summaries: ReturnType<typeof summarizeBySize>): string[] {
  const lines = [
    '### Distance to the targets',
    '',
    `Mean EMMA F1 against issue 12's targets (${Object.entries(emmaTargets).map(([m, t]) => `m=${m} ≥ ${Math.round(t * 100)}`).join(', ')}; distance in brackets, negative = short of it), and EMMA's margin over the bi-encoder's mean F1.`,
    '',
    '| m | seeds | target | EMMA k=2 | EMMA k=3 | EMMA k=4 | EMMA − bi, k=2/3/4 | on the hard subset | EMMA above bi? |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const rows = targetRows(summaries);
  for (const m of fewrelSizes) {
    const row = rows.find((x) => x.m === m);
    if (row === undefined) {
      lines.push(`| ${m} | 0 | ${Math.round((emmaTargets[m] ?? 0) * 100)} | - | - | - | - | - | no result file at this m |`);
      continue;
    }
    const cell = (method: string) => {
      const e = row.emma.find((x) => x.method === method);
      return e === undefined ? '-' : `${pct(e.f1)} (${signed(e.toTarget)})`;
    };
    const margins = (key: 'overBi' | 'hardOverBi') => row.emma.map((e) => (e[key] === undefined ? '-' : signed(e[key]))).join(' / ') || '-';
    const above = row.emma.filter((e) => e.overBi !== undefined && e.overBi > 0).map((e) => e.method.slice(4));
    const compared = row.emma.filter((e) => e.overBi !== undefined).length;
    const verdict = compared === 0 ? 'no bi-encoder row' : above.length === compared ? 'yes, at every k' : above.length === 0 ? 'no' : `at k=${above.join(', ')} only`;
    lines.push(`| ${row.m} | ${row.seeds} | ${Math.round(row.target * 100)} | ${cell('emma2')} | ${cell('emma3')} | ${cell('emma4')} | ${margins('overBi')} | ${margins('hardOverBi')} | ${verdict} |`);
  }
  return lines;
}

function budgetMarkdown(results: FewrelInputs['results']): string[] {
  const lines = [
    '### Budget of each file',
    '',
    '| split | pipeline | profile | per seen relation | train instances | bi-encoder epochs | cross-encoder steps | device | sentences | full cross-encoder on | training (min) | export (min) | evaluation (min) | cross pairs | commit | machine |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { result: r } of results) {
    const b = r.budget;
    const known = (value: string | number | null | undefined) => (value === null || value === undefined ? '?' : String(value));
    const minutes = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? '?' : (seconds / 60).toFixed(1));
    const sample = r.fullcrossSample?.sampled ? `${count(r.fullcrossSample.sentences)} (seed ${known(r.fullcrossSample.seed)})` : 'all';
    const pairs = r.crossPairs ?? r.sentences * r.m;
    lines.push(`| ${r.split} | ${r.pipeline} | ${known(b.profile)} | ${b.maxPerRelation ?? 'all'} | ${known(b.trainInstances)} | ${known(b.biEncoderEpochs)} | ${known(b.crossEncoderSteps)} | ${known(b.device)} | ${r.sentences} | ${sample} | ${minutes(b.trainSeconds)} | ${minutes(b.exportSeconds)} | ${minutes(r.seconds)} | ${count(pairs)} | ${r.environment.commit.slice(0, 8)} | ${r.environment.machine} (${r.environment.cpus} CPUs) |`);
  }
  lines.push('', 'Cost per split as measured on the machine named (wall-clock; `?`: not recorded in files written before issue 24). Evaluation: the whole `evaluate_fewrel.py` run; cross pairs: sentence-relation pairs the cross-encoder scored.');
  if (budgetsDiffer(results.map((r) => r.result))) lines.push('', '**The files were trained on different budgets** (profile, sentences per seen relation or epochs differ): the means above mix them.');
  return lines;
}

function missingMarkdown(present: string[], status: SplitStatus[] | undefined): string[] {
  const missing = missingSplits(present, status);
  if (missing.length === 0) return ['### Splits not run', '', 'All 15 splits have a result file.'];
  return [
    '### Splits not run',
    '',
    `${missing.length} of the 15 splits have no result file${status === undefined ? ' (there is no `benchmarks/results/fewrel/status.json` to give reasons)' : ''}:`,
    '',
    '| splits | state | reason |',
    '|---|---|---|',
    ...groupByStateAndReason(missing).map((x) => `| ${x.splits.join(', ')} | ${x.state} | ${x.reason.replace(/\|/g, '\\|')} |`),
  ];
}

/** One row per (state, reason), in first-seen order: a reason shared by 14 splits is written once. */
export function groupByStateAndReason(missing: { split: string; state: string; reason: string }[]): { splits: string[]; state: string; reason: string }[] {
  const groups = new Map<string, { splits: string[]; state: string; reason: string }>();
  for (const { split, state, reason } of missing) {
    const key = JSON.stringify([state, reason]);
    const group = groups.get(key) ?? { splits: [], state, reason };
    group.splits.push(split);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function agreementMarkdown(agreements: Agreement[]): string[] {
  const lines = ['### Agreement: Python reference pipeline vs TypeScript runtime', ''];
  if (agreements.length === 0) {
    return [...lines, 'No agreement files yet (`npm run bench:agreement -- --reference benchmarks/results/fewrel/<split>.json --runtime benchmarks/results/fewrel/runtime/<split>.json` writes `benchmarks/results/fewrel/agreement/<split>.json`).'];
  }
  const perM = fewrelSizes.map((m) => {
    const splits = agreements.map((a) => a.split).filter((split) => split.startsWith(`fewrel_m${m}_`));
    return `m=${m}: ${splits.length === 0 ? 'none yet' : splits.map((split) => split.replace(`fewrel_m${m}_`, '')).join(', ')}`;
  });
  lines.push(
    `Splits compared per m: ${perM.join('; ')}.`,
    '',
    'Same model graphs on both sides (the sha256 of the int8 graphs must match). Difference: runtime F1 − reference F1; same top-1: share of sentences on which both chose the same relation.',
    '',
    '| split | method | reference F1 | runtime F1 | difference | same top-1 | graphs (bi / cross sha256) | reference commit, machine | runtime commit, machine |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const a of agreements) {
    for (const row of a.methods) {
      const top1 = row.top1Agreement === undefined ? '-' : `${pct(row.top1Agreement)}%`;
      const on = row.sentences === undefined ? '' : ` (on the ${count(row.sentences)} sentences both scored)`;
      lines.push(`| ${a.split} | ${methodLabel(row.method)}${on} | ${pct(row.referenceF1)} | ${pct(row.runtimeF1)} | ${signed(row.difference)} | ${top1} | ${a.model.sha256.biEncoder.slice(0, 12)} / ${a.model.sha256.crossEncoder.slice(0, 12)} | ${a.reference.commit.slice(0, 8)}, ${a.reference.machine} | ${a.runtime.commit.slice(0, 8)}, ${a.runtime.machine} |`);
    }
  }
  return lines;
}

/** The older TypeScript runtime runs (2 CPU cores, 30-60 sentences per seen relation, one epoch), kept short. */
function previousMarkdown(previous: PreviousResult[]): string[] {
  if (previous.length === 0) return [];
  const inOrder = [...previous].sort((a, b) => a.m - b.m || seedRank(a.seed) - seedRank(b.seed));
  const perRelation = inOrder.map((r) => {
    const p = r.model.provenance;
    return p.trainInstances !== undefined && p.trainRelations ? `${r.split.replace('fewrel_m', '')} ${Math.round(p.trainInstances / p.trainRelations)}` : `${r.split} ?`;
  });
  const lines = [
    '### Previous budget (`fewrel-cpu30/`)',
    '',
    `TypeScript runtime (int8, 2 threads) on models trained on 2 CPU cores for one epoch per encoder, on a few sentences per seen relation (${perRelation.join(', ')}); all test sentences. F1, mean ± sample std over the splits present.`,
    '',
    '| m | splits | bi-encoder | EMMA k=2 | EMMA k=3 | EMMA k=4 | full cross-encoder |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const m of [...new Set(previous.map((r) => r.m))].sort((a, b) => a - b)) {
    const atM = inOrder.filter((r) => r.m === m);
    const cell = (method: string) => meanStd(meanAndStd(atM.flatMap((r) => r.methods.filter((x) => x.method === method).map((x) => x.f1))));
    lines.push(`| ${m} | ${atM.map((r) => r.seed).join(', ')} | ${tableMethods.map(cell).join(' | ')} |`);
  }
  return lines;
}

/** The chart: the 15-split table when it has files, else the previous budget, titled so that no one mistakes one for the other. */
export function fewrelChart(inputs: FewrelInputs): { points: SeedChartPoint[]; title: string; targets: Record<number, number> } | undefined {
  const reference = inputs.results.map((r) => r.result);
  if (reference.length > 0) {
    const points = summarizeBySize(reference).flatMap((size) => size.methods.map((row) => ({ m: size.m, method: row.method, mean: row.f1.mean, std: row.f1.n > 1 ? row.f1.std : undefined })));
    return { points, title: `FewRel zero-shot F1, ${reference.length} of 15 splits (reference pipeline, int8)`, targets: emmaTargets };
  }
  if (inputs.previous.length === 0) return undefined;
  const points = [...new Set(inputs.previous.map((r) => r.m))].sort((a, b) => a - b).flatMap((m) =>
    tableMethods.flatMap((method) => {
      const s = meanAndStd(inputs.previous.filter((r) => r.m === m).flatMap((r) => r.methods.filter((x) => x.method === method).map((x) => x.f1)));
      return s.n === 0 ? [] : [{ m, method, mean: s.mean, std: s.n > 1 ? s.std : undefined }];
    }),
  );
  return { points, title: 'FewRel zero-shot F1, previous CPU budget (fewrel-cpu30/)', targets: emmaTargets };
}
