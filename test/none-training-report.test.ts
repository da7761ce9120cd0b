import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noneTrainingMarkdown, readNoneTrainingResults } from '../benchmarks/lib/noneTrainingReport.js';

const scores = (precision: number, recall: number, f1: number) => ({ threshold: 0.5, answered: 10, related: 20, precision, recall, f1 });

function result(run: string, noneKept: number, reached: boolean) {
  return {
    benchmark: 'documents-python (Re-DocRED sentence pairs, bi-encoder of a training run)',
    run, recipe: `training/configs/none/${run}.yaml`, commit: 'abcdef0123456789', trainInstances: 7505,
    biEncoderInitFrom: noneKept > 0 ? { run: 'training/runs/none/b_positives', sha256: '0'.repeat(64) } : null,
    nonePairs: { documents: 250, noneKept, positivesKept: 3045, learnedNoneCosine: noneKept > 0 ? 0.5 : null },
    documents: { seed: 21, calibration: 50, measuring: 90, measuringPairs: 8446, measuringRelated: 1274 },
    unseenRelations: ['P26', 'P361'],
    rows: [
      { operatingPoint: 'default (fusion.json biOnly, fitted on the FewRel eval relations)', all: scores(30, 5, 9) },
      { operatingPoint: 'best F1 (fitted on calibration)', all: scores(20.1, 36.26, 25.86), unseenRelations: scores(6.67, 16.81, 9.55),
        calibration: scores(22, 40, 28.4), wrongAnswers: { wrong: 1837, onPairsHoldingNothing: 1500, wrongRelationOfRelatedPair: 337 } },
      reached ? { operatingPoint: 'precision 70% (fitted on calibration)', all: scores(64.71, 2.59, 4.98) }
        : { operatingPoint: 'precision 70% (fitted on calibration)', reachedOnCalibration: false },
    ],
    ranking: { related: 1274, top1Right: 49.92 },
    closedSetHeldOut: { relations: Array.from({ length: 10 }, (_, i) => `P${i}`), sentences: 1000, bi: { f1: 83.13, macroF1: 80.7 } },
    machine: { cpu: 'AMD EPYC' },
    createdAt: '2026-12-05T11:30:00+00:00',
  };
}

describe('none-training report (issue 21)', () => {
  it('reads the runs, baseline first, and writes one row per run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsre-none-report-'));
    mkdirSync(join(dir, 'none-training'));
    writeFileSync(join(dir, 'none-training', 'a_none.json'), JSON.stringify(result('a_none', 3000, true)));
    writeFileSync(join(dir, 'none-training', 'b_positives.json'), JSON.stringify(result('b_positives', 0, false)));
    writeFileSync(join(dir, 'none-training', 'other.json'), JSON.stringify({ benchmark: 'something-else' }));
    const runs = readNoneTrainingResults(dir);
    expect(runs.map((r) => r.run)).toEqual(['b_positives', 'a_none']);
    const lines = noneTrainingMarkdown(runs);
    const rows = lines.filter((line) => /^\| [a-z]_/.test(line));
    expect(rows).toEqual([
      '| b_positives | 0 | - | 83.1 | 28.4 | 20.1 / 36.3 / 25.9 | 6.7 / 16.8 / 9.6 | 1500 / 337 | not reached on calibration | 49.9% |',
      '| a_none (from training/runs/none/b_positives) | 3000 | 0.50 | 83.1 | 28.4 | 20.1 / 36.3 / 25.9 | 6.7 / 16.8 / 9.6 | 1500 / 337 | 64.7 / 2.6 / 5.0 | 49.9% |',
    ]);
    expect(lines[0]).toContain('Measured on 90 Re-DocRED documents (8446 sentence pairs, 1274 related');
    expect(lines.at(-1)).toBe('Runs trained at commit abcdef01; one seed each.');
  });

  it('writes nothing without results', () => {
    expect(readNoneTrainingResults(mkdtempSync(join(tmpdir(), 'zsre-none-empty-')))).toEqual([]);
    expect(noneTrainingMarkdown([])).toEqual([]);
  });
});
