/**
 * The triple-verifier trial table (issue 21): training/verifier_trial.py results in
 * benchmarks/results/none-verifier/*.json, for the results README and the README's documents
 * section. A cross-encoder trained with a binary loss on Re-DocRED documents the benchmark never
 * reads, judging the shipped model's candidates; thresholds fitted on calibration documents,
 * figures on the benchmark's 90 measuring documents.
 */
import { benchmarkNamed, readResultFolder } from './resultFolder.js';

interface Point { threshold: number; answered: number; right: number; related: number; precision: number; recall: number; f1: number }
interface Rows { precision70: Point | null; calibrationBestF1: Point; bestF1Here: Point }
type Scope = 'allRelations' | 'trainedRelations' | 'heldOutRelations';
interface ShippedPoint { precision: number; recall: number; f1: number }

export interface VerifierTrialResult {
  benchmark: 'verifier-trial';
  model: string;
  initRun: string;
  settings: { trainDocs: number; noneKeep: number; steps: number; batch: number; lr: number; k: number; heldOutRelations: string[] };
  documents: Record<'train' | 'calibration' | 'measuring', { count: number; pairs: number; related: number; skipped: number }>;
  measuringFirstCandidateRightAmongRelated: number;
  training: { rows: number; positiveRows: number; epochs: number; seconds: number; rowsPerSecond: number; lossFirst50: number; lossLast50: number };
  results: Record<string, Record<Scope, Rows>>;
  shippedDocumentsCalibration: { atDefaultThreshold: ShippedPoint; bestF1Here: ShippedPoint } | null;
  /** the blend rows' logistic weights (training/verifier_trial.py --bench-scores); null without them. */
  blend?: { libraryLogit: number; verifierLogit: number; libraryRun: string; pairShape?: { libraryLogit: number; logWordsBetween: number; entitiesBetween: number } } | null;
  time: { stageSeconds: Record<string, number>; totalSeconds: number };
  environment: { commit: string | null; cpu: string; threads: number; date: string };
}

export function readVerifierTrialResults(resultsDir: string): VerifierTrialResult[] {
  return readResultFolder(resultsDir, 'none-verifier', benchmarkNamed<VerifierTrialResult>('verifier-trial'));
}

const METHODS: Record<string, string> = {
  biCosineFirst: 'the bi-encoder\'s first candidate, its cosine as the confidence (no verifier)',
  verifyFirst: 'the bi-encoder\'s first candidate, the verifier\'s probability as the confidence',
  verifyBest: 'the candidate the verifier believes most among the 3',
  libraryProbability: 'today\'s library (EMMA, `\'documents\'` calibration): its answer and probability',
  libraryPlusVerifier: 'the same answer, a logistic blend of its probability and the verifier\'s (fitted on calibration)',
  libraryPlusPairShape: 'the same answer, a logistic blend of its probability and the pair\'s shape: words and entities between the two (no verifier)',
};
const SCOPES: Record<Scope, string> = { allRelations: 'all 96', trainedRelations: 'trained', heldOutRelations: 'never seen by the verifier' };

const prf = (p: { precision: number; recall: number; f1: number } | null | undefined): string =>
  p === null || p === undefined ? 'not reached on calibration' : `${p.precision.toFixed(1)} / ${p.recall.toFixed(1)} / ${p.f1.toFixed(1)}`;

export function verifierMarkdown(results: readonly VerifierTrialResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    const { documents, training, settings } = result;
    lines.push(
      `**A triple verifier** (\`training/verifier_trial.py\`, ${result.environment.cpu}, ${result.environment.threads} threads, torch fp32, commit ${(result.environment.commit ?? 'unknown').slice(0, 8)}). ` +
        `A cross-encoder (marker pooling, encoder started from the shipped bi-encoder) trained with a binary loss: does this relation hold between the marked pair? ` +
        `Trained on ${documents.train.pairs} sentence pairs of ${documents.train.count} Re-DocRED dev documents bench:documents never fits or measures on ` +
        `(${training.rows} rows, ${training.positiveRows} positive: each related pair's 3 candidates and any missed gold relation, the first candidate of a share of the pairs holding nothing; ` +
        `${settings.heldOutRelations.length} of the 96 relations never in a row), ${settings.steps} steps of ${settings.batch} (${training.epochs} epochs, ${Math.round(training.seconds / 60)} min at ${training.rowsPerSecond} rows/s; ` +
        `loss ${training.lossFirst50} -> ${training.lossLast50}). Candidates: the shipped model's int8 bi-encoder, top ${settings.k}. ` +
        `Thresholds fitted on ${documents.calibration.count} calibration documents, figures on the benchmark's ${documents.measuring.count} measuring documents ` +
        `(${documents.measuring.pairs} sentence pairs, ${documents.measuring.related} related; the first candidate is right for ${result.measuringFirstCandidateRightAmongRelated.toFixed(1)}% of them). P / R / F1:`,
      '',
      '| confidence | relations | precision-70% threshold (fitted on calibration) | best-F1 threshold (fitted on calibration) | best F1 on the measuring documents (hindsight) |',
      '|---|---|---|---|---|',
    );
    for (const [method, scopes] of Object.entries(result.results)) {
      for (const scope of Object.keys(SCOPES) as Scope[]) {
        const rows = scopes[scope];
        if (rows === undefined) continue;
        lines.push(`| ${METHODS[method] ?? method} | ${SCOPES[scope]} | ${prf(rows.precision70)} | ${prf(rows.calibrationBestF1)} | ${rows.bestF1Here.f1.toFixed(1)} |`);
      }
    }
    const shipped = result.shippedDocumentsCalibration;
    if (shipped !== null) {
      lines.push(`| today's library: EMMA with the \`'documents'\` calibration (bench:documents, same measuring documents) | all 96 | ${prf(shipped.atDefaultThreshold)} (its default threshold) | - | ${shipped.bestF1Here.f1.toFixed(1)} |`);
    }
    if (result.blend) {
      const shape = result.blend.pairShape;
      const shapeWeights = shape === undefined ? '' : `; with the pair's shape: library ${shape.libraryLogit}, log words between ${shape.logWordsBetween}, entities between ${shape.entitiesBetween}`;
      lines.push('', `Blend weights (standardised features): library ${result.blend.libraryLogit}, verifier ${result.blend.verifierLogit}${shapeWeights}; the library's answers from \`${result.blend.libraryRun} --scores-dir DIR\`, passed as \`--bench-scores DIR\`.`);
    }
    lines.push('', `${Math.round(result.time.totalSeconds / 60)} min of CPU stages in all (candidates, training, verifying), ${result.environment.date}.`, '');
  }
  return lines;
}
