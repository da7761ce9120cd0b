/**
 * The speed benchmark's one table (benchmarks/results/speed.json) as markdown and chart points,
 * for benchmarks/results/README.md and the README's speed section (npm run bench:report).
 */
import type { ChartPoint } from './chart.js';
import { commitLabel } from './environment.js';

type StageMs = Record<'prepare' | 'biEncoder' | 'search' | 'pairs' | 'crossEncoder' | 'rank' | 'other' | 'total', number>;
interface SpeedRow { method: string; sentencesPerSecond: number; overBi: number; f1: number; accuracy: number; reranked: number; crossPairsPerSentence?: number; msPerSentence?: StageMs }
export interface SpeedResult {
  benchmark: 'speed';
  /** bench:speed --tag: a run on another kind of processor (speed_<tag>.json). */
  tag?: string;
  model: string;
  settings: { threads: number; machine: string; sentencesPerM: number; methods: Record<string, string>; f1?: string };
  environment: { commit: string; cpu: string; cores: number; date: string; cpuFlags?: { names: string[] }; onnxruntimeNode?: string; loadAverage?: number[] };
  table: { m: number; sentences: number; methods: SpeedRow[]; emmaOverFullcross: number; emma3OverFullcross: number }[];
  singleExtractMs: { p50: number; p95: number; calls: number; meanByStage?: StageMs };
  peakRssMiB: number;
}

const labels: Record<string, string> = { bi: 'bi-encoder only', emma: 'EMMA default (adaptive)', emma3: 'EMMA k=3, always', fullcross: 'full cross-encoder' };

export function isSpeedResult(value: { benchmark: string }): value is SpeedResult {
  return value.benchmark === 'speed' && Array.isArray((value as Partial<SpeedResult>).table);
}

const stageColumns = ['prepare', 'biEncoder', 'search', 'pairs', 'crossEncoder', 'rank', 'other', 'total'] as const;
const stageLabels: Record<(typeof stageColumns)[number], string> = {
  prepare: 'prepare (validate, mark, tokenize)',
  biEncoder: 'bi-encoder',
  search: 'index search',
  pairs: 'pair inputs',
  crossEncoder: 'cross-encoder',
  rank: 'fusion, results',
  other: 'other JS',
  total: 'total',
};

function environmentText(result: SpeedResult): string {
  const env = result.environment;
  const flags = env.cpuFlags === undefined ? '' : ` (${env.cpuFlags.names.join(', ') || 'no AVX2'})`;
  const runtime = env.onnxruntimeNode === undefined ? '' : `, onnxruntime-node ${env.onnxruntimeNode}`;
  const load = env.loadAverage === undefined ? '' : `, load average ${env.loadAverage[0]} at the end`;
  return `${env.cores} × ${env.cpu}${flags}${runtime}, int8, ${result.settings.threads} threads${load}`;
}

export function speedMarkdown(result: SpeedResult): string[] {
  const methods = result.table[0]?.methods.map((row) => row.method) ?? [];
  const lines = [
    `One run of \`npm run bench:speed\` (${result.environment.date.slice(0, 10)}, commit ${commitLabel(result.environment)}, ` +
      `${environmentText(result)}, machine: ${result.settings.machine}). ` +
      `${result.settings.sentencesPerM} FewRel sentences per m (the \`ori\` split's test relations), the same for every method. ` +
      'Throughput as a ratio to the bi-encoder in the same run (sentences/s in brackets); F1 on those sentences' +
      (result.settings.f1 === undefined ? '.' : ` (${result.settings.f1}).`),
    '',
    `| m | ${methods.map((method) => labels[method] ?? method).join(' | ')} | EMMA default / full cross |`,
    `|---|${methods.map(() => '---').join('|')}|---|`,
  ];
  for (const row of result.table) {
    const cells = row.methods.map((x) => `${x.overBi.toFixed(2)}x (${x.sentencesPerSecond.toFixed(0)}/s), F1 ${(x.f1 * 100).toFixed(1)}` + (x.method === 'emma' ? `, cross-encoder on ${(x.reranked * 100).toFixed(0)}%` + (x.crossPairsPerSentence === undefined ? '' : ` (${x.crossPairsPerSentence.toFixed(2)} pairs a sentence)`) : ''));
    lines.push(`| ${row.m} | ${cells.join(' | ')} | ${row.emmaOverFullcross.toFixed(1)}x |`);
  }
  lines.push(
    '',
    `One \`extract()\` call (library defaults, m=5): p50 ${result.singleExtractMs.p50.toFixed(1)} ms, p95 ${result.singleExtractMs.p95.toFixed(1)} ms ` +
      `over ${result.singleExtractMs.calls} calls. Peak RSS ${result.peakRssMiB.toFixed(0)} MiB.`,
  );
  const last = result.table[result.table.length - 1];
  if (last !== undefined && last.methods.every((row) => row.msPerSentence !== undefined)) {
    lines.push(
      '',
      `Where a sentence's time goes at m=${last.m} (milliseconds per sentence, batches of the library default; other JS: the call's time outside the stages):`,
      '',
      `| method | ${stageColumns.map((stage) => stageLabels[stage]).join(' | ')} |`,
      `|---|${stageColumns.map(() => '---:').join('|')}|`,
      ...last.methods.map((row) => `| ${labels[row.method] ?? row.method} | ${stageColumns.map((stage) => (row.msPerSentence as StageMs)[stage].toFixed(2)).join(' | ')} |`),
    );
    const single = result.singleExtractMs.meanByStage;
    if (single !== undefined) {
      lines.push(`| one \`extract()\` call (mean, m=5) | ${stageColumns.map((stage) => single[stage].toFixed(2)).join(' | ')} |`);
    }
  }
  return lines;
}

export function speedChartPoints(result: SpeedResult): ChartPoint[] {
  return result.table.flatMap((row) => row.methods.map((x) => ({ label: x.method, m: row.m, f1: x.f1, speed: x.sentencesPerSecond })));
}
