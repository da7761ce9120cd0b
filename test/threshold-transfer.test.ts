import { describe, expect, it } from 'vitest';
import { seededRandom } from '../benchmarks/lib/fewshotEpisodes.js';
import { bestAnswers, bootstrapThreshold, fitBiOnlyFusion, fusionLoss, operatingAt, protocolRows, type ProtocolRow, smallestThreshold } from '../benchmarks/lib/thresholdTransfer.js';
import { type ThresholdTransferResult, thresholdTransferMarkdown } from '../benchmarks/lib/thresholdTransferReport.js';
import { commitLabel } from '../benchmarks/lib/environment.js';

describe('smallestThreshold (as training/zsre_train/fusion.py smallest_threshold)', () => {
  const answers = [
    { probability: 0.95, correct: true },
    { probability: 0.9, correct: true },
    { probability: 0.8, correct: false },
    { probability: 0.7, correct: true },
    { probability: 0.6, correct: true },
    { probability: 0.5, correct: false },
    { probability: 0.4, correct: false },
  ];

  it('keeps the smallest threshold whose answers reach the target', () => {
    // At 0.6: 4 right of 5 = 0.8; at 0.5: 4 of 6 = 0.67; at 0.9: 2 of 2.
    expect(smallestThreshold(answers, 0.8)).toBe(0.6);
    expect(smallestThreshold(answers, 0.75)).toBe(0.6);
    expect(smallestThreshold(answers, 0.9)).toBe(0.9);
    expect(smallestThreshold(answers, 0.55)).toBe(0); // all 7: 4 right, 0.57
  });

  it('answers everything (0) when every answer together reaches it, and nothing (1) when no threshold does', () => {
    expect(smallestThreshold(answers.map((a) => ({ ...a, correct: true })), 0.9)).toBe(0);
    expect(smallestThreshold(answers.map((a) => ({ ...a, correct: false })), 0.1)).toBe(1);
  });

  it('counts tied probabilities together', () => {
    const tied = [
      { probability: 0.9, correct: true },
      { probability: 0.8, correct: true },
      { probability: 0.8, correct: false },
      { probability: 0.2, correct: false },
    ];
    // 0.8 answers both tied rows: 2 of 3, under 0.9; the first of them alone would have been 2 of 2.
    expect(smallestThreshold(tied, 0.9)).toBe(0.9);
    expect(operatingAt(tied, tied.map(() => ({ cosines: [1], target: 0, relation: 0 })), 0.8)).toEqual({ precision: 2 / 3, answers: 3, answered: 0.75, recall: 0.5 });
  });
});

describe('protocolRows', () => {
  it('removes the gold candidate from about half the sentences and ranks the rest by cosine', () => {
    const relations = [0, 1, 2, 3, 4];
    const sentencesOf = (r: number) => Array.from({ length: 200 }, (_, i) => r * 200 + i);
    // Each sentence is closest to its own relation, then to the next ones in order.
    const cosine = (r: number, s: number) => 1 - Math.abs(r - Math.floor(s / 200)) / 10;
    const rows = protocolRows(relations, sentencesOf, cosine, 3, seededRandom(3));
    expect(rows).toHaveLength(1000);
    const dropped = rows.filter((row) => row.target === -1).length;
    expect(dropped).toBeGreaterThan(430);
    expect(dropped).toBeLessThan(570);
    for (const row of rows) {
      expect(row.cosines).toHaveLength(3);
      expect([...row.cosines].sort((a, b) => b - a)).toEqual(row.cosines);
      if (row.target !== -1) expect(row.target).toBe(0); // kept gold: the closest
      else expect(row.cosines[0]).toBeLessThan(1); // removed: the best left is another relation
    }
    expect(() => protocolRows([0, 1, 2], sentencesOf, cosine, 3, seededRandom(3))).toThrow(/at least 4 relations/);
  });
});

describe('fitBiOnlyFusion', () => {
  it('recovers the biWeight and noneLogit that generated the targets', () => {
    const truth = { biWeight: 20, noneLogit: 9 };
    const random = seededRandom(17);
    const rows: ProtocolRow[] = [];
    for (let i = 0; i < 4000; i += 1) {
      const cosines = [0.3 + 0.4 * random(), 0.2 + 0.3 * random(), 0.1 + 0.3 * random()].sort((a, b) => b - a);
      const logits = [truth.noneLogit, ...cosines.map((c) => truth.biWeight * c)];
      const max = Math.max(...logits);
      const exps = logits.map((l) => Math.exp(l - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      let u = random() * sum;
      let drawn = 0;
      while (u > (exps[drawn] as number) && drawn < exps.length - 1) u -= exps[drawn++] as number;
      rows.push({ cosines, target: drawn - 1, relation: 0 });
    }
    const fitted = fitBiOnlyFusion(rows);
    expect(fitted.biWeight).toBeGreaterThan(17);
    expect(fitted.biWeight).toBeLessThan(23);
    expect(fitted.noneLogit).toBeGreaterThan(7.5);
    expect(fitted.noneLogit).toBeLessThan(10.5);
    // A maximum: the truth and the starting point both have a higher loss.
    expect(fusionLoss(rows, fitted)).toBeLessThanOrEqual(fusionLoss(rows, truth));
    expect(fusionLoss(rows, fitted)).toBeLessThan(fusionLoss(rows, { biWeight: 10, noneLogit: 0 }));
    const answers = bestAnswers(rows, fitted);
    expect(answers.every((answer, i) => answer.correct === (rows[i]?.target === 0))).toBe(true);
  });
});

describe('bootstrapThreshold', () => {
  it('is at least the point threshold when one relation is far worse than the others', () => {
    const good = Array.from({ length: 50 }, (_, i) => ({ probability: 0.5 + i / 100, correct: true }));
    const bad = Array.from({ length: 50 }, (_, i) => ({ probability: 0.5 + i / 100, correct: i % 3 === 0 }));
    const byRelation = [good, good, good, good, bad];
    const point = smallestThreshold(byRelation.flat(), 0.9);
    const cautious = bootstrapThreshold(byRelation, 0.9, 0.9, 200, seededRandom(5));
    expect(cautious).toBeGreaterThan(point);
  });
});

describe('thresholdTransferMarkdown', () => {
  const described = (mean: number) => ({ count: 10, silent: 0, precision: { mean, p10: mean - 0.2, median: mean, p90: mean + 0.05 }, belowTarget: 0.5, belowTargetBy5: 0.4, answered: 0.2, recall: 0.3 });
  const result = (calibrationRelations: number, exportMean: number): ThresholdTransferResult => ({
    benchmark: 'threshold-transfer',
    environment: { commit: 'abcdef0123456789', cpu: 'AMD EPYC', date: '2026-12-07T00:00:00Z' },
    settings: { model: 'training/exports/x', split: 'fewrel_m15_43', targetPrecision: 0.9, calibrationRelations, groupSize: 5, draws: 200, perRelation: 100, pool: [{ name: 'docred-unseen', relations: ['P1', 'P2'] }] },
    summary: [
      { rule: 'export (point)', perGroup: described(exportMean), pooledPerDraw: described(exportMean) },
      { rule: "model's own (FewRel eval)", perGroup: described(0.91), pooledPerDraw: described(0.91) },
    ],
  });

  it('gives each fit size its own rows and the model\'s own threshold once, from the export-size run', () => {
    const lines = thresholdTransferMarkdown([result(5, 0.8), result(20, 0.86)]);
    const rows = lines.filter((line) => line.startsWith('| fewrel_m15_43'));
    expect(rows).toEqual([
      '| fewrel_m15_43 | export (point) | 5 | 80.0 | 60.0 | 50.0% | 40.0% | 0.0% | 20.0% | 30.0% |',
      "| fewrel_m15_43 | model's own (FewRel eval) | its eval relations | 91.0 | 71.0 | 50.0% | 40.0% | 0.0% | 20.0% | 30.0% |",
      '| fewrel_m15_43 | export (point) | 20 | 86.0 | 66.0 | 50.0% | 40.0% | 0.0% | 20.0% | 30.0% |',
    ]);
    expect(lines.at(-1)).toContain('fewrel_m15_43, fitted on 20 (training/exports/x, commit abcdef01');
  });
});

describe('commitLabel', () => {
  it('says when a run started from a working tree with uncommitted changes', () => {
    expect(commitLabel({ commit: 'abcdef0123456789', dirty: false })).toBe('abcdef01');
    expect(commitLabel({ commit: 'abcdef0123456789', dirty: true })).toBe('abcdef01 (with uncommitted changes)');
    expect(commitLabel({ commit: 'abcdef0123456789' })).toBe('abcdef01');
  });
});
