/**
 * The FewRel table's numbers (issue 12), from the per-split reference result files: per m, the
 * mean and sample standard deviation (n - 1) over the seeds present of each method's scores; the
 * distance of EMMA's mean F1 to the targets and its margin over the bi-encoder; and the splits of
 * the 15 that have no result, with the reason status.json gives.
 */
import { basename } from 'node:path';
import { meanAndStd } from './metrics.js';
import { allFewrelSplits, type MethodScores, type ReferenceResult, type SplitStatus } from './fewrelFiles.js';

export type Stat = ReturnType<typeof meanAndStd>;
export const tableMethods = ['bi', 'emma2', 'emma3', 'emma4', 'fullcross'] as const;
export const emmaMethods = ['emma2', 'emma3', 'emma4'] as const;
/** Issue 12's targets for mean EMMA F1 over the seeds (fractions). */
export const emmaTargets: Record<number, number> = { 5: 0.93, 10: 0.85, 15: 0.78 };

export interface MethodSummary {
  method: string;
  precision: Stat;
  recall: Stat;
  f1: Stat;
  macroF1: Stat;
  /** over the seeds whose file has a hard subset; n says how many. */
  hardF1: Stat;
}

export interface SizeSummary {
  m: number;
  /** the seeds present at this m, in publication order (ori, 40 ... 43). */
  seeds: string[];
  methods: MethodSummary[];
}

/**
 * Refuses a file that contradicts itself or its name: one file per split, named after it, is what
 * keeps a split from being counted twice or under another seed.
 */
export function checkResults(results: readonly { file: string; result: ReferenceResult }[]): void {
  for (const { file, result } of results) {
    const expected = `fewrel_m${result.m}_${result.seed}`;
    if (result.split !== expected) throw new Error(`${file}: split "${result.split}" does not match m=${result.m} and seed "${result.seed}" (expected "${expected}"); fix the file`);
    if (basename(file) !== `${result.split}.json`) throw new Error(`${file} holds ${result.split}: name it ${result.split}.json`);
  }
}

const seedOrder = (seed: string) => {
  const at = allFewrelSplits.findIndex((split) => split.endsWith(`_${seed}`));
  return at < 0 ? Number.MAX_SAFE_INTEGER : at;
};

export function summarizeBySize(results: readonly ReferenceResult[]): SizeSummary[] {
  const sizes = [...new Set(results.map((r) => r.m))].sort((a, b) => a - b);
  return sizes.map((m) => {
    const atM = results.filter((r) => r.m === m).sort((a, b) => seedOrder(a.seed) - seedOrder(b.seed) || a.seed.localeCompare(b.seed));
    const methods = tableMethods.flatMap((method): MethodSummary[] => {
      const rows = atM.flatMap((r) => r.methods.filter((x) => x.method === method));
      if (rows.length === 0) return [];
      const hard = atM.flatMap((r) => r.hardSubset?.methods.filter((x) => x.method === method) ?? []);
      const stat = (key: keyof Omit<MethodScores, 'method'>, from: readonly MethodScores[] = rows) => meanAndStd(from.map((x) => x[key]));
      return [{ method, precision: stat('precision'), recall: stat('recall'), f1: stat('f1'), macroF1: stat('macroF1'), hardF1: stat('f1', hard) }];
    });
    return { m, seeds: atM.map((r) => r.seed), methods };
  });
}

export interface TargetRow {
  m: number;
  target: number;
  seeds: number;
  /** each EMMA k: mean F1, its distance to the target (negative: short of it) and its margin over bi. */
  emma: { method: string; f1: number; toTarget: number; overBi?: number; hardOverBi?: number }[];
}

export function targetRows(summaries: readonly SizeSummary[]): TargetRow[] {
  return summaries.flatMap((size): TargetRow[] => {
    const target = emmaTargets[size.m];
    if (target === undefined) return [];
    const bi = size.methods.find((x) => x.method === 'bi');
    const emma = emmaMethods.flatMap((method) => {
      const row = size.methods.find((x) => x.method === method);
      if (row === undefined) return [];
      const margin = (a: Stat, b: Stat | undefined) => (b === undefined || a.n === 0 || b.n === 0 ? undefined : a.mean - b.mean);
      return [{ method, f1: row.f1.mean, toTarget: row.f1.mean - target, overBi: margin(row.f1, bi?.f1), hardOverBi: margin(row.hardF1, bi?.hardF1) }];
    });
    return [{ m: size.m, target, seeds: size.seeds.length, emma }];
  });
}

export interface MissingSplit {
  split: string;
  state: string;
  reason: string;
}

/**
 * The splits of the 15 without a result file. Their state and reason come from status.json; a
 * split it does not list, or lists as done without a file, says so instead of passing unnoticed.
 */
export function missingSplits(present: readonly string[], status: readonly SplitStatus[] | undefined): MissingSplit[] {
  const have = new Set(present);
  return allFewrelSplits.filter((split) => !have.has(split)).map((split) => {
    const entry = status?.find((x) => x.split === split);
    if (entry === undefined) return { split, state: 'unknown', reason: status === undefined ? 'no result file, and no status.json' : 'no result file, and status.json does not list it' };
    if (entry.state === 'done') return { split, state: 'done', reason: `status.json says done, but there is no result file${entry.reason ? ` (${entry.reason})` : ''}` };
    return { split, state: entry.state, reason: entry.reason ?? defaultReason(entry) };
  });
}

/**
 * Whether the files were trained on different budgets (profile, sentences per seen relation,
 * bi-encoder epochs), which a mean over them would mix. Cross-encoder steps are left out: at a
 * fixed budget they grow with the number of seen relations, so they differ between m by design.
 */
export function budgetsDiffer(results: readonly ReferenceResult[]): boolean {
  const key = (r: ReferenceResult) => JSON.stringify([r.budget.profile, r.budget.maxPerRelation, r.budget.biEncoderEpochs]);
  return new Set(results.map(key)).size > 1;
}

/** status.json gives reasons for splits not run; for the others the state and its flags say it. */
function defaultReason(entry: SplitStatus): string {
  if (entry.state === 'trained-not-evaluated') return `trained, not evaluated yet${entry.exported === undefined ? '' : entry.exported ? ' (exported)' : ' (not exported yet)'}`;
  if (entry.state === 'running-or-partial') return `training now, or stopped${entry.checkpoint ? ' with a checkpoint to resume from' : ''}`;
  return 'no reason given in status.json';
}
