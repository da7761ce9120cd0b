import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readVerifierTrialResults, verifierMarkdown } from '../benchmarks/lib/verifierReport.js';

const point = (precision: number, recall: number, f1: number) => ({ threshold: 0.5, answered: 100, right: 70, related: 200, precision, recall, f1 });
const rows = (reached: boolean) => ({ precision70: reached ? point(71.2, 40.1, 51.3) : null, calibrationBestF1: point(60, 50, 54.5), bestF1Here: point(61, 50, 55.1) });

function trial() {
  return {
    benchmark: 'verifier-trial', model: 'models/zsre-minilm-l6-general', initRun: 'training/runs/shipped-fp32',
    settings: { trainDocs: 250, noneKeep: 0.5, steps: 1200, batch: 16, lr: 3e-5, k: 3, heldOutShare: 0.2, heldOutRelations: ['P17', 'P26'] },
    documents: {
      train: { count: 250, pairs: 22342, related: 2500, skipped: 0 },
      calibration: { count: 50, pairs: 4870, related: 700, skipped: 0 },
      measuring: { count: 90, pairs: 8446, related: 1274, skipped: 2 },
    },
    measuringFirstCandidateRightAmongRelated: 71.3,
    training: { rows: 16372, positiveRows: 3114, epochs: 1.17, seconds: 1600, rowsPerSecond: 12, lossFirst50: 0.69, lossLast50: 0.3 },
    results: {
      biCosineFirst: { allRelations: rows(false), trainedRelations: rows(false), heldOutRelations: rows(false) },
      verifyFirst: { allRelations: rows(true), trainedRelations: rows(true), heldOutRelations: rows(false) },
    },
    shippedDocumentsCalibration: { atDefaultThreshold: { precision: 71.05, recall: 29.28, f1: 41.47 }, bestF1Here: { precision: 53.4, recall: 47.6, f1: 50.31 } },
    blend: { libraryLogit: 2.723, verifierLogit: 0.237, libraryRun: 'npm run bench:documents -- --calibration documents' },
    time: { stageSeconds: { train: 1600, 'verify-measuring': 400 }, totalSeconds: 2000 },
    environment: { commit: '0123456789abcdef', cpu: 'AMD EPYC', threads: 2, date: '2026-12-07' },
  };
}

describe('verifier trial report (issue 21)', () => {
  it('reads only verifier-trial results and writes one row per method and relation scope', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsre-verifier-report-'));
    mkdirSync(join(dir, 'none-verifier'));
    writeFileSync(join(dir, 'none-verifier', 'trial.json'), JSON.stringify(trial()));
    writeFileSync(join(dir, 'none-verifier', 'other.json'), JSON.stringify({ benchmark: 'documents' }));
    const results = readVerifierTrialResults(dir);
    expect(results).toHaveLength(1);
    const lines = verifierMarkdown(results);
    const table = lines.filter((line) => line.startsWith('| ') && !line.startsWith('| confidence'));
    expect(table).toHaveLength(7); // 2 methods x 3 scopes + today's library
    expect(table[0]).toBe("| the bi-encoder's first candidate, its cosine as the confidence (no verifier) | all 96 | not reached on calibration | 60.0 / 50.0 / 54.5 | 55.1 |");
    expect(table[3]).toContain('| all 96 | 71.2 / 40.1 / 51.3 |');
    expect(table[5]).toContain('| never seen by the verifier | not reached on calibration |');
    expect(table[6]).toBe("| today's library: EMMA with the `'documents'` calibration (bench:documents, same measuring documents) | all 96 | 71.0 / 29.3 / 41.5 (its default threshold) | - | 50.3 |");
    expect(lines[0]).toContain('2 of the 96 relations never in a row');
    expect(lines).toContain("Blend weights (standardised features): library 2.723, verifier 0.237; the library's answers from `npm run bench:documents -- --calibration documents --scores-dir DIR`, passed as `--bench-scores DIR`.");
    expect(lines.at(-2)).toBe('33 min of CPU stages in all (candidates, training, verifying), 2026-12-07.');
  });

  it('is empty without results', () => {
    expect(verifierMarkdown(readVerifierTrialResults(mkdtempSync(join(tmpdir(), 'zsre-verifier-none-'))))).toEqual([]);
  });
});
