/** The README's "how much to label" table (benchmarks/lib/calibrationCurveReport.ts), from result files. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrationCurveMarkdown } from '../benchmarks/lib/calibrationCurveReport.js';

const run = (precision: number, recall: number, best: number) => ({
  settings: { measuringDocuments: [1, 2, 3] },
  measuring: { sentencePairs: { probability: { atDefaultThreshold: { threshold: 0.5, precision, recall, f1: (2 * precision * recall) / (precision + recall) }, bestF1Here: { threshold: 0.2, precision: 0.5, recall: 0.5, f1: best } } } },
});

describe('calibration curve report', () => {
  it('has a row for the model\'s own calibration and one per measured calibration, by number of documents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsre-curve-'));
    mkdirSync(join(dir, 'none-vector'));
    writeFileSync(join(dir, 'documents_zsre-minilm-l6-general.json'), JSON.stringify(run(0.25, 0.5, 0.33)));
    for (const [documents, pairs, related] of [[25, 2982, 315], [5, 400, 60], [7, 500, 70]] as const) {
      writeFileSync(join(dir, 'none-vector', `calibration_redocred-${documents}docs.json`), JSON.stringify({ threshold: 0.55, fittedOn: { pairs, related, calibrationDocuments: [] } }));
    }
    for (const documents of [25, 5]) {
      writeFileSync(join(dir, 'none-vector', `documents_zsre-minilm-l6-general_file-calibration_redocred-${documents}docs.json`), JSON.stringify(run(0.8, 0.1, 0.43)));
    }
    const lines = calibrationCurveMarkdown(dir);
    expect(lines[0]).toMatch(/of 3 Re-DocRED documents/);
    expect(lines.slice(4)).toEqual([
      "| none (the model's own calibration) | 0.500 | 25.0 | 50.0 | 33.3 | 33.0 |",
      '| 5 (400, 60) | 0.550 | 80.0 | 10.0 | 17.8 | 43.0 |',
      '| 25 (2,982, 315) | 0.550 | 80.0 | 10.0 | 17.8 | 43.0 |',
    ]); // 7 has no measured run: no row
  });
});
