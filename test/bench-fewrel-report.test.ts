import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { budgetComparisonMarkdown, fewrelChart, fewrelMarkdown, fewrelSummaryMarkdown, groupByStateAndReason, readFewrelInputs } from '../benchmarks/lib/fewrelReport.js';
import { budgetsDiffer, missingSplits, summarizeBySize, targetRows } from '../benchmarks/lib/fewrelSummary.js';
import { readCheckedJson, statusSchema } from '../benchmarks/lib/fewrelFiles.js';

const fixtures = resolve(import.meta.dirname, 'fixtures', 'fewrel-results');
const inputs = readFewrelInputs(fixtures);
const results = inputs.results.map((r) => r.result);

function tempResults(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'zsre-fewrel-report-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}
const fixtureFile = (name: string) => JSON.parse(readFileSync(join(fixtures, 'fewrel', name), 'utf8')) as Record<string, unknown>;

describe('FewRel report: mean and sample std over the seeds present', () => {
  it('reads the split files only, not status.json or predictions files beside them', () => {
    expect(results.map((r) => r.split)).toEqual(['fewrel_m5_ori', 'fewrel_m5_40', 'fewrel_m10_ori']);
    expect(inputs.status).toHaveLength(14);
  });

  it('groups by m with the seeds in publication order', () => {
    const summaries = summarizeBySize(results);
    expect(summaries.map((s) => [s.m, s.seeds])).toEqual([[5, ['ori', '40']], [10, ['ori']]]);
    const emma3 = summaries[0]!.methods.find((x) => x.method === 'emma3')!;
    expect(emma3.f1.mean).toBeCloseTo(0.92, 12);
    // sample std (n - 1) of 0.91 and 0.93
    expect(emma3.f1.std).toBeCloseTo(Math.sqrt(2 * 0.01 ** 2), 12);
    expect(emma3.precision.mean).toBeCloseTo(0.93, 12);
    expect(emma3.macroF1.mean).toBeCloseTo(0.9, 12);
    // only the ori file has a hard subset
    expect(emma3.hardF1).toEqual({ mean: 0.76, std: 0, n: 1 });
    expect(summaries[1]!.methods.map((x) => x.f1.n)).toEqual([1, 1, 1, 1, 1]);
  });

  it('gives the distance of each EMMA k to the target and its margin over bi, full and hard', () => {
    const rows = targetRows(summarizeBySize(results));
    expect(rows.map((r) => [r.m, r.target, r.seeds])).toEqual([[5, 0.93, 2], [10, 0.85, 1]]);
    const m10 = rows[1]!.emma;
    expect(m10.map((e) => e.method)).toEqual(['emma2', 'emma3', 'emma4']);
    expect(m10.map((e) => e.toTarget)).toEqual([expect.closeTo(-0.05, 12), expect.closeTo(-0.04, 12), expect.closeTo(-0.06, 12)]);
    expect(m10.map((e) => e.overBi)).toEqual([expect.closeTo(0.1, 12), expect.closeTo(0.11, 12), expect.closeTo(0.09, 12)]);
    expect(m10.map((e) => e.hardOverBi)).toEqual([expect.closeTo(-0.05, 12), expect.closeTo(0.05, 12), expect.closeTo(0.1, 12)]);
  });

  it('writes the tables: ± only with more than one seed, hard F1 with how many seeds it covers', () => {
    const text = fewrelMarkdown(inputs).join('\n');
    expect(text).toContain('Python reference pipeline (ONNX int8), 3 of 15 splits');
    expect(text).toContain('sample standard deviation (n − 1)');
    expect(text).toContain('Seeds per m: m=5: 2 (ori, 40); m=10: 1 (ori); m=15: 0.');
    expect(text).toContain('| 5 | EMMA k=3 | 2 | 93.00 ± 1.41 | 91.00 ± 1.41 | 92.00 ± 1.41 | 90.00 ± 1.41 | 76.00 (1 of 2 seeds) |');
    expect(text).toContain('| 10 | bi-encoder | 1 | 71.00 | 69.00 | 70.00 | 68.00 | 50.00 |');
    expect(text).toContain('| 5 | 2 | 93 | 92.00 (-1.00) | 92.00 (-1.00) | 92.00 (-1.00) | +10.00 / +10.00 / +10.00 | +15.00 / +16.00 / +17.00 | yes, at every k |');
    expect(text).toContain('| 15 | 0 | 78 | - | - | - | - | - | no result file at this m |');
    expect(text).toContain('m=5 ≥ 93, m=10 ≥ 85, m=15 ≥ 78');
    expect(text).toContain('| 10 | 1 | 85 | 80.00 (-5.00) | 81.00 (-4.00) | 79.00 (-6.00) | +10.00 / +11.00 / +9.00 | -5.00 / +5.00 / +10.00 | yes, at every k |');
    // files written before issue 24 have no training/export seconds, cross pairs (n x m then) or sample
    expect(text).toContain('| fewrel_m5_ori | python-reference-onnx-int8 | gpu | all | 52500 | 5 | 3000 | cuda | 10 | all | ? | ? | 0.2 | 50 | 01234567 | fixture machine (16 CPUs) |');
    expect(text).not.toContain('*sampled*');
    expect(text).not.toContain('different budgets');
    expect(text).toContain('| 5 | ori | 92.02 | ');
  });

  it('labels a full cross-encoder scored on a seeded sample, and shows the measured cost per split', () => {
    const m10 = fixtureFile('fewrel_m10_ori.json');
    const sampled = {
      ...m10,
      fullcrossSample: { sentences: 1000, of: 7000, seed: 0, sampled: true, draw: 'numpy' },
      crossPairs: 34000,
      seconds: 1500,
      budget: { ...(m10.budget as object), trainSeconds: 3600, exportSeconds: 960 },
    };
    const dir = tempResults({ 'fewrel/fewrel_m10_ori.json': sampled, 'fewrel/fewrel_m5_ori.json': fixtureFile('fewrel_m5_ori.json') });
    const parsed = readFewrelInputs(dir);
    expect(parsed.results.find((r) => r.result.m === 10)!.result.fullcrossSample).toEqual({ sentences: 1000, of: 7000, seed: 0, sampled: true });
    const text = fewrelMarkdown(parsed).join('\n');
    expect(text).toContain('| 10 | full cross-encoder (*sampled*: 1,000 of 7,000 sentences) | 1 |');
    expect(text).toContain('| 5 | full cross-encoder | 1 |');
    expect(text).toContain('its P / R / F1 are on those sentences only');
    expect(text).toMatch(/\| fewrel_m10_ori \| [^\n]* \| 1,000 \(seed 0\) \| 60\.0 \| 16\.0 \| 25\.0 \| 34,000 \|/);
  });

  it('charts the 15-split table when it has files', () => {
    const chart = fewrelChart(inputs)!;
    expect(chart.title).toContain('3 of 15 splits');
    expect(chart.points.find((p) => p.m === 5 && p.method === 'emma2')).toEqual({ m: 5, method: 'emma2', mean: expect.closeTo(0.92, 12), std: expect.closeTo(Math.sqrt(2 * 0.02 ** 2), 12) });
    expect(chart.points.find((p) => p.m === 10 && p.method === 'bi')?.std).toBeUndefined();
  });

  it('warns when the files were trained on different budgets', () => {
    expect(budgetsDiffer(results)).toBe(false);
    const cpu = { ...results[0]!, budget: { ...results[0]!.budget, profile: 'cpu', maxPerRelation: 200 } };
    expect(budgetsDiffer([...results, cpu])).toBe(true);
  });
});

describe('FewRel report: splits not run', () => {
  it('lists the missing splits with the state and reason of status.json', () => {
    const missing = missingSplits(results.map((r) => r.split), inputs.status);
    expect(missing).toHaveLength(12);
    expect(missing.find((x) => x.split === 'fewrel_m5_41')).toEqual({ split: 'fewrel_m5_41', state: 'trained-not-evaluated', reason: 'device time ran out before evaluation' });
    expect(missing.find((x) => x.split === 'fewrel_m10_40')).toEqual({ split: 'fewrel_m10_40', state: 'not-run', reason: 'no GPU lease left' });
    expect(missing.find((x) => x.split === 'fewrel_m5_43')?.reason).toMatch(/status.json says done, but there is no result file/);
    expect(missing.find((x) => x.split === 'fewrel_m15_43')).toEqual({ split: 'fewrel_m15_43', state: 'unknown', reason: 'no result file, and status.json does not list it' });
    expect(fewrelMarkdown(inputs).join('\n')).toContain('| fewrel_m5_42 | running-or-partial | cross-encoder at step 1200 of 3000 when the lease ended |');
  });

  it('writes a reason shared by several splits once, naming them all', () => {
    const rows = groupByStateAndReason([
      { split: 'fewrel_m5_40', state: 'not-run', reason: 'no GPU' },
      { split: 'fewrel_m5_41', state: 'trained-not-evaluated', reason: 'no GPU' },
      { split: 'fewrel_m5_42', state: 'not-run', reason: 'no GPU' },
    ]);
    expect(rows).toEqual([
      { splits: ['fewrel_m5_40', 'fewrel_m5_42'], state: 'not-run', reason: 'no GPU' },
      { splits: ['fewrel_m5_41'], state: 'trained-not-evaluated', reason: 'no GPU' },
    ]);
  });

  it('says what a trained or partial split lacks when status.json gives no reason (training/fewrel_status.py)', () => {
    const status = readCheckedJson(join(tempResults({ 's.json': { benchmark: 'fewrel-zero-shot', counts: {}, splits: [
      { split: 'fewrel_m5_ori', state: 'trained-not-evaluated', run: 'runs/fewrel_m5_ori', exported: false },
      { split: 'fewrel_m5_40', state: 'running-or-partial', run: 'runs/fewrel_m5_40', checkpoint: true },
    ] } }), 's.json'), statusSchema, '');
    const missing = missingSplits([], status);
    expect(missing[0]).toEqual({ split: 'fewrel_m5_ori', state: 'trained-not-evaluated', reason: 'trained, not evaluated yet (not exported yet)' });
    expect(missing[1]).toEqual({ split: 'fewrel_m5_40', state: 'running-or-partial', reason: 'training now, or stopped with a checkpoint to resume from' });
  });

  it('reads status.json as a list or as a map keyed by split', () => {
    const dir = tempResults({ 'status.json': { splits: { fewrel_m5_ori: { state: 'not run', reason: 'r' } } } });
    expect(readCheckedJson(join(dir, 'status.json'), statusSchema, '')).toEqual([{ split: 'fewrel_m5_ori', state: 'not-run', reason: 'r' }]);
  });

  it('refuses an unknown state with the field and the file', () => {
    const dir = tempResults({ 'fewrel/status.json': { splits: [{ split: 'fewrel_m5_ori', state: 'finished' }] } });
    expect(() => readFewrelInputs(dir)).toThrow(/status\.json: field "splits.0.state"/);
  });
});

describe('FewRel report with no or bad files', () => {
  it('says plainly that there are no files, and lists all 15 splits', () => {
    const empty = readFewrelInputs(tempResults({}));
    expect(empty).toEqual({ results: [], status: undefined, agreements: [], previous: [] });
    const text = fewrelMarkdown(empty).join('\n');
    expect(text).toContain('**No per-split result files in `benchmarks/results/fewrel/` yet**');
    expect(text).toContain('15 of the 15 splits have no result file (there is no `benchmarks/results/fewrel/status.json` to give reasons)');
    expect(text).toContain('No agreement files yet');
    expect(text).not.toContain('Previous budget');
    expect(fewrelChart(empty)).toBeUndefined();
  });

  it('falls back to the previous budget for the chart, titled as such', () => {
    const onlyPrevious = { ...inputs, results: [] };
    const chart = fewrelChart(onlyPrevious)!;
    expect(chart.title).toContain('previous CPU budget');
    expect(chart.points).toHaveLength(5);
    expect(fewrelMarkdown(onlyPrevious).join('\n')).toContain('on a few sentences per seen relation (5_ori 60)');
  });

  it('names the file and the field of a result in the wrong shape', () => {
    const percent = fixtureFile('fewrel_m5_40.json');
    (percent.methods as { f1: number }[])[0]!.f1 = 84;
    expect(() => readFewrelInputs(tempResults({ 'fewrel/fewrel_m5_40.json': percent }))).toThrow(/fewrel_m5_40\.json: field "methods\.0\.f1"/);
  });

  it('shows "?" for budget fields the evaluator was not told', () => {
    const file = fixtureFile('fewrel_m5_40.json');
    file.budget = { profile: null, recipe: null, trainInstances: 2100, maxPerRelation: null, biEncoderEpochs: 1, crossEncoderSteps: null, device: 'cpu' };
    const text = fewrelMarkdown(readFewrelInputs(tempResults({ 'fewrel/fewrel_m5_40.json': file }))).join('\n');
    expect(text).toContain('| fewrel_m5_40 | python-reference-onnx-int8 | ? | all | 2100 | 1 | ? | cpu | 3500 |');
  });

  it('refuses a file whose name is not its split', () => {
    expect(() => readFewrelInputs(tempResults({ 'fewrel/fewrel_m5_41.json': fixtureFile('fewrel_m5_40.json') }))).toThrow(/fewrel_m5_41\.json holds fewrel_m5_40: name it fewrel_m5_40\.json/);
  });
});

describe('FewRel report: the README summary and another budget profile beside the table', () => {
  it('summarises F1 per m and method with the distance to the targets', () => {
    const text = fewrelSummaryMarkdown(inputs).join('\n');
    expect(text).toContain('Seeds per m: m=5: 2 (ori, 40); m=10: 1 (ori); m=15: 0.');
    expect(text).toContain('| m | seeds | bi-encoder | EMMA k=2 | EMMA k=3 | EMMA k=4 | full cross-encoder |');
    expect(text).toContain('| 10 | 1 | 70.00 | 80.00 | 81.00 | 79.00 |');
    expect(text).toContain('| 5 | 2 | 93 | 92.00 (-1.00) |');
    expect(fewrelSummaryMarkdown({ results: [], agreements: [], previous: [] })).toEqual(['No result files yet.']);
  });

  it('reads a profile folder without the previous budget, and compares the splits both budgets have', () => {
    const m5 = fixtureFile('fewrel_m5_ori.json') as { methods: { method: string; f1: number }[] };
    const longer = { ...m5, methods: m5.methods.map((x) => ({ ...x, f1: x.method === 'emma3' ? 0.95 : x.method === 'fullcross' ? 0.85 : x.f1 })) };
    const dir = tempResults({ 'fewrel-cpu-cross1500/fewrel_m5_ori.json': longer, 'fewrel-cpu30/ignored.json': {} });
    const profile = readFewrelInputs(dir, 'fewrel-cpu-cross1500');
    expect(profile.results.map((r) => r.result.split)).toEqual(['fewrel_m5_ori']);
    expect(profile.previous).toEqual([]);
    const text = budgetComparisonMarkdown(inputs, profile, 'cpu profile', 'cpu-cross1500').join('\n');
    // bi 80, EMMA k=3 91 -> 95, full cross 70 -> 85; EMMA over bi +11 -> +15
    expect(text).toContain('| fewrel_m5_ori | 80.00 → 80.00 (+0.00) | 91.00 → 95.00 (+4.00) | 70.00 → 85.00 (+15.00) | +11.00 → +15.00 |');
    expect(text).not.toContain('fewrel_m5_40');
    expect(budgetComparisonMarkdown(inputs, { results: [], agreements: [], previous: [] }, 'cpu profile', 'x')).toEqual(['No split has results under both cpu profile and x yet.']);
  });
});
