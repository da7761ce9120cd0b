/**
 * The few-shot report lines (benchmarks/lib/fewshotReport.ts, fewshotSetsReport.ts): the common
 * direction's column and comparison appear exactly when a result measured them.
 */
import { describe, expect, it } from 'vitest';
import { type FewshotResult, fewshotMarkdown } from '../benchmarks/lib/fewshotReport.js';
import { type FewshotSetsResult, fewshotSetsMarkdown } from '../benchmarks/lib/fewshotSetsReport.js';

const environment = { commit: '0123456789abcdef', cpu: 'test CPU', date: '2026-12-05T00:00:00Z' };
const scores = (accuracy: number) => ({ accuracy, interval95: 0.01, precision: 0.9, recall: 0.5 });

function setsResult(withDirection: boolean): FewshotSetsResult {
  const macroF1 = (k: number) => ({ description: 40, prototype: 40 + k, 'adapted (model rule)': 50 + k, ...(withDirection ? { 'adapted (common direction)': 51 + k } : {}) });
  return {
    benchmark: 'fewshot-sets',
    environment,
    settings: { model: 'm', split: 'fewrel_m10_41', draws: 3, queriesPerRelation: 50, rule: { strength: 30, steps: 100 } },
    summary: [1, 5].map((shots) => ({ set: 'semeval', relations: 9, shots, draws: 3, macroF1: macroF1(shots) })),
  };
}

function fewshotResult(effect: boolean): FewshotResult {
  return {
    benchmark: 'fewshot',
    model: { name: 'm', directory: 'models/m', manifestRule: { strength: 100, nameOnlyStrength: 10, steps: 100, competitors: 8, commonDirection: effect ? '1152 numbers' : null } },
    protocol: { fewrel: { relations: ['P1'], split: null, ruleFittedOn: 'ChemProt train' }, chemprot: { relations: ['c'], ruleFittedOn: 'FewRel P1', zeroShot: false } },
    rules: { forFewrel: { rule: { strength: 100, nameOnlyStrength: 100, steps: 100, competitors: 8 } }, forChemprot: { rule: { strength: 100, nameOnlyStrength: 10, steps: 100, competitors: 8 } } },
    fewrel: [{ ways: 5, shots: 0, noneRate: 0, episodes: 10, scores: { description: scores(0.9) } }],
    chemprot: [],
    commonDirection: effect ? { numbers: 1152, pairs: 9154, effect: [{ shots: 5, noneRate: 0.5, withDirection: scores(0.8), without: scores(0.79) }] } : null,
    apiAgreement: { queries: 10, same: 10 },
    environment,
  };
}

describe('few-shot report and the common direction', () => {
  it('shows the whole-set column only when the result has it', () => {
    const header = (result: FewshotSetsResult) => fewshotSetsMarkdown(result).find((line) => line.startsWith('| set |')) as string;
    expect(header(setsResult(true))).toContain('the same, with a common direction');
    expect(header(setsResult(false))).not.toContain('common direction');
    const row = fewshotSetsMarkdown(setsResult(true)).find((line) => line.startsWith('| SemEval-2010 Task 8 | 9 | 5 |')) as string;
    expect(row).toBe('| SemEval-2010 Task 8 | 9 | 5 | 45.0 | 55.0 | 56.0 | +15.0 |');
  });

  it('states the episodes with and without the direction, and the model rule that has one', () => {
    const lines = fewshotMarkdown(fewshotResult(true)).join('\n');
    expect(lines).toContain('K=5, 50% none: 80.0 / 90.0% / 50.0% with, 79.0 / 90.0% / 50.0% without');
    expect(lines).toContain('name-only strength 10, with a common direction');
    const without = fewshotMarkdown(fewshotResult(false)).join('\n');
    expect(without).not.toContain('common direction');
  });
});
