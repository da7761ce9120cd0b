import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The README's "how much to label" table (section "Calibrate "no relation" on your own text"):
 * calibrations fitted by `npm run bench:fit-calibration` on the first N calibration documents
 * (benchmarks/results/none-vector/calibration_redocred-<N>docs.json), each measured by
 * `npm run bench:documents -- --calibration-file` (documents_<model>_file-calibration_redocred-<N>docs.json
 * beside it), against the shipped model's own calibration on the same measuring documents.
 */
interface Point { threshold: number; precision: number; recall: number; f1: number }
interface DocumentsRun { measuring: { sentencePairs: { probability: { atDefaultThreshold: Point; bestF1Here: Point } } }; settings: { measuringDocuments: number[] } }
interface Calibration { threshold: number; fittedOn: { pairs: number; related: number; calibrationDocuments: number[] } }

const pct = (x: number): string => (100 * x).toFixed(1);
const count = (n: number): string => n.toLocaleString('en-US');

export function calibrationCurveMarkdown(resultsDir: string): string[] {
  const folder = join(resultsDir, 'none-vector');
  const ownFile = join(resultsDir, 'documents_zsre-minilm-l6-general.json');
  if (!existsSync(folder) || !existsSync(ownFile)) return [];
  const own = JSON.parse(readFileSync(ownFile, 'utf8')) as DocumentsRun;
  const rows = readdirSync(folder)
    .map((file) => /^calibration_redocred-(\d+)docs\.json$/.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => {
      const calibration = JSON.parse(readFileSync(join(folder, match[0]), 'utf8')) as Calibration;
      const runFile = join(folder, `documents_zsre-minilm-l6-general_file-calibration_redocred-${match[1]}docs.json`);
      const run = existsSync(runFile) ? (JSON.parse(readFileSync(runFile, 'utf8')) as DocumentsRun) : null;
      return { documents: Number(match[1]), calibration, run };
    })
    .filter((row): row is { documents: number; calibration: Calibration; run: DocumentsRun } => row.run !== null)
    .sort((a, b) => a.documents - b.documents);
  if (rows.length === 0) return [];
  const line = (label: string, threshold: number, run: DocumentsRun): string => {
    const { atDefaultThreshold: at, bestF1Here: best } = run.measuring.sentencePairs.probability;
    return `| ${label} | ${threshold.toFixed(3)} | ${pct(at.precision)} | ${pct(at.recall)} | ${pct(at.f1)} | ${pct(best.f1)} |`;
  };
  return [
    `Measuring sentence pairs of ${own.settings.measuringDocuments.length} Re-DocRED documents (never labelled), each calibration at its own threshold:`,
    '',
    '| labelled documents (pairs, related) | threshold | precision | recall | F1 | best F1 of any threshold |',
    '|---|---|---|---|---|---|',
    line("none (the model's own calibration)", own.measuring.sentencePairs.probability.atDefaultThreshold.threshold, own),
    ...rows.map(({ documents, calibration, run }) => line(`${documents} (${count(calibration.fittedOn.pairs)}, ${count(calibration.fittedOn.related)})`, calibration.threshold, run)),
  ];
}
