/**
 * Agreement between the Python reference pipeline and the TypeScript runtime on one FewRel split
 * (issue 12 item 2), from their result files:
 *
 *   npm run bench:agreement -- --reference benchmarks/results/fewrel/<split>.json
 *       --runtime benchmarks/results/fewrel/runtime/<split>.json
 *       [--reference-predictions FILE --runtime-predictions FILE] [--out-dir benchmarks/results/fewrel/agreement]
 *
 * writes <out-dir>/<split>.json: per method the F1 of each pipeline and their difference, the
 * top-1 agreement per sentence when both predictions files are given, the model's graph sha256
 * (both runs must have scored the same graphs), and each side's commit and machine.
 * npm run bench:report shows a table of these files.
 */
import { join, resolve } from 'node:path';
import { parseFlags } from './lib/args.js';
import { repoPath, resultsDir, writeResult } from './lib/environment.js';
import { readCheckedJson, referenceResultSchema } from './lib/fewrelFiles.js';
import { computeAgreement, runtimeResultSchema } from './lib/agreement.js';
import { readPredictions } from './lib/predictions.js';

const usage = `Usage: npm run bench:agreement -- --reference benchmarks/results/fewrel/<split>.json
    --runtime benchmarks/results/fewrel/runtime/<split>.json
    [--reference-predictions FILE --runtime-predictions FILE] [--out-dir benchmarks/results/fewrel/agreement]`;
const flags = parseFlags(usage, {
  reference: { type: 'string' },
  runtime: { type: 'string' },
  'reference-predictions': { type: 'string' },
  'runtime-predictions': { type: 'string' },
  'out-dir': { type: 'string' },
});
const referenceFile = resolve(flags.required('reference'));
const runtimeFile = resolve(flags.required('runtime'));
const referencePredictions = flags.values['reference-predictions'];
const runtimePredictions = flags.values['runtime-predictions'];
if ((referencePredictions === undefined) !== (runtimePredictions === undefined)) {
  flags.fail('--reference-predictions and --runtime-predictions go together: pass both files, or neither');
}
const outDir = resolve(flags.values['out-dir'] ?? join(resultsDir, 'fewrel', 'agreement'));

try {
  const reference = readCheckedJson(referenceFile, referenceResultSchema, 'Pass a result file of training/evaluate_fewrel.py (benchmarks/results/fewrel/<split>.json).');
  const runtime = readCheckedJson(runtimeFile, runtimeResultSchema, 'Pass a result file of npm run bench:fewrel (e.g. --out-dir benchmarks/results/fewrel/runtime).');
  const agreement = computeAgreement({
    reference,
    runtime,
    files: { reference: repoPath(referenceFile), runtime: repoPath(runtimeFile) },
    predictions:
      referencePredictions !== undefined && runtimePredictions !== undefined
        ? { reference: readPredictions(resolve(referencePredictions)), runtime: readPredictions(resolve(runtimePredictions)) }
        : undefined,
  });
  for (const row of agreement.methods) {
    const top1 = row.top1Agreement === undefined ? '' : `, same top-1 on ${(row.top1Agreement * 100).toFixed(2)}% of sentences`;
    console.log(`${agreement.split} ${row.method}: reference F1 ${(row.referenceF1 * 100).toFixed(2)}, runtime ${(row.runtimeF1 * 100).toFixed(2)} (${row.difference >= 0 ? '+' : ''}${(row.difference * 100).toFixed(2)})${top1}`);
  }
  console.log(`wrote ${repoPath(writeResult(agreement.split, agreement, outDir))}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
