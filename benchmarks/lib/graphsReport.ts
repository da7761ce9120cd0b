/**
 * The graph benchmark (benchmarks/results/graphs.json, npm run bench:graphs) as markdown, for
 * benchmarks/results/README.md and the README's graphs section (npm run bench:report).
 */
import { commitLabel } from './environment.js';
type Ratios = { biBatch: number | null; crossBatch: number | null; biSingle: number | null; crossSingle: number | null };
type HeldOut = Record<'fused' | 'biOnly', { accuracy: number; macroF1: number }>;
interface GraphRow {
  variant: string;
  biMsPerRow: number;
  crossMsPerRow: number;
  biSingleRowMs: number;
  crossSingleRowMs: number;
  overPerTensor: Ratios;
  bitIdenticalNode: Record<'bi' | 'cross', { maxDiff: number; bitIdentical: boolean }>;
  heldOut: HeldOut;
  batchInvariancePython: { bitIdentical: boolean; sentenceVector: number; crossScore: number };
}
export interface GraphsResult {
  benchmark: 'graphs';
  /** bench:graphs --tag: a full run on another kind of processor (graphs_<tag>.json). */
  tag?: string;
  model: string;
  settings: { threads: number; rounds: number; batch: { rows: number; biTokens: number; crossTokens: number }; singleRow: { biTokens: number; crossTokens: number }; machine: string };
  environment: { commit: string; cpu: string; cores: number; date: string; cpuFlags: { names: string[] }; onnxruntimeNode: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  calibration: { sentences: number; descriptions: number; pairsPerSentence: number };
  /** the variant the model directory ships (from its manifest when the benchmark ran). */
  shipped?: string;
  table: GraphRow[];
}

export function isGraphsResult(value: { benchmark: string }): value is GraphsResult {
  return value.benchmark === 'graphs' && Array.isArray((value as Partial<GraphsResult>).table);
}

const names: Record<string, string> = {
  perTensor: 'dynamic int8, per tensor (before issue 13)',
  perRow: 'dynamic int8, per row, 7-bit (issue 13)',
  perRowFused: 'per row, one QuantizeLinear',
  static8: 'static int8, 8-bit',
  static7: 'static int8, 7-bit',
  static8w7: 'static int8, 8-bit, 7-bit weights',
  fp32: 'fp32 (int8 weights dequantized)',
  static8w7Pooled: 'static int8, 8-bit, 7-bit weights, cross-encoder last layer at [CLS] only',
};

const ratio = (value: number | null): string => (value === null ? '' : ` (${value.toFixed(2)}x)`);

export function graphsMarkdown(result: GraphsResult): string[] {
  const { shipped } = result;
  const env = result.environment;
  const s = result.settings;
  const lines = [
    `One run of \`npm run bench:graphs\` (${env.date.slice(0, 10)}, commit ${commitLabel(env)}, ${env.cores} × ${env.cpu} ` +
      `(${env.cpuFlags.names.join(', ')}), onnxruntime-node ${env.onnxruntimeNode}, ${s.threads} threads, load average ` +
      `${env.loadAverageBefore[0]} -> ${env.loadAverageAfter[0]}, machine: ${s.machine}): each graph variant of \`${result.model}\` on the same inputs, ` +
      `${s.rounds} interleaved rounds. Milliseconds per row in a batch of ${s.batch.rows} (bi-encoder ${s.batch.biTokens} tokens, ` +
      `cross-encoder ${s.batch.crossTokens}) and for one row alone (${s.singleRow.biTokens} / ${s.singleRow.crossTokens} tokens), with the ` +
      'ratio to the per-tensor dynamic graph in the same rounds; held-out accuracy / macro F1 (points) on the calibration relations\' ' +
      'held-out sentences, fused and bi-encoder only; bit-identical: every output the same in any batch size, order and padding ' +
      '(onnxruntime-node and the export gate\'s layouts in Python).' +
      (shipped === undefined ? '' : ` The shipped graphs are **${names[shipped] ?? shipped}**.`),
    '',
    '| variant | bit-identical | bi-encoder ms/row | cross-encoder ms/row | bi one row ms | cross one row ms | fused acc / F1 | bi-only acc / F1 |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of result.table) {
    const identical = row.bitIdenticalNode.bi.bitIdentical && row.bitIdenticalNode.cross.bitIdentical && row.batchInvariancePython.bitIdentical;
    const diff = Math.max(row.bitIdenticalNode.bi.maxDiff, row.bitIdenticalNode.cross.maxDiff, row.batchInvariancePython.sentenceVector, row.batchInvariancePython.crossScore);
    lines.push(
      `| ${names[row.variant] ?? row.variant} | ${identical ? 'yes' : `no (up to ${diff.toExponential(1)})`} | ` +
        `${row.biMsPerRow.toFixed(2)}${ratio(row.overPerTensor.biBatch)} | ${row.crossMsPerRow.toFixed(2)}${ratio(row.overPerTensor.crossBatch)} | ` +
        `${row.biSingleRowMs.toFixed(1)}${ratio(row.overPerTensor.biSingle)} | ${row.crossSingleRowMs.toFixed(1)}${ratio(row.overPerTensor.crossSingle)} | ` +
        `${row.heldOut.fused.accuracy.toFixed(2)} / ${row.heldOut.fused.macroF1.toFixed(2)} | ${row.heldOut.biOnly.accuracy.toFixed(2)} / ${row.heldOut.biOnly.macroF1.toFixed(2)} |`,
    );
  }
  lines.push(
    '',
    `Static scales are calibrated on ${result.calibration.sentences} sentences of seen (training) relations, ${result.calibration.descriptions} ` +
      `descriptions and each sentence's top-${result.calibration.pairsPerSentence} pairs, never on the held-out sentences above.`,
  );
  return lines;
}
