/**
 * Speed, accuracy and memory in one run, so that ratios hold on a noisy machine: on the same
 * FewRel sentences at m = 5, 10, 15, sentences per second and F1 of the bi-encoder only, EMMA as
 * the library runs it by default (adaptive cross-encoder), EMMA k=3 with the cross-encoder always
 * on, and the full cross-encoder; p50/p95 of a single extract() call; peak RSS; where each
 * method's time goes, per sentence and pipeline stage (extractBatch's `timings`). Throughputs are
 * also given as ratios to the bi-encoder's, which a shared machine's load changes far less than
 * the absolute figures. `npm run bench:report` turns the file into the README's speed section.
 *
 *   npm run bench:speed -- [--data-dir ../shared/data] [--model DIR] [--sentences 240] [--threads 2]
 *                          [--machine "shared: 2 cores, 4 other agents"] [--tag NAME]
 *
 * --tag NAME writes speed_NAME.json beside speed.json: a run on another kind of processor, shown
 * after the main run in the README's speed section.
 */
import { resolve } from 'node:path';
import { createExtractor, type ExtractResult, type Stage, type StageTimings } from 'zsre';
import { fewrelItems, fewrelRelations, fewrelSplit } from './lib/datasets.js';
import { parseFlags } from './lib/args.js';
import { loadAverage, repoPath, runEnvironment, writeResult } from './lib/environment.js';
import { classificationScores } from './lib/metrics.js';
import { type MethodName, runMethod } from './lib/methods.js';

const flags = parseFlags(
  'Usage: npm run bench:speed -- [--data-dir ../shared/data] [--model DIR] [--sentences 240] [--threads 2] [--machine "shared: 2 cores, 4 other agents"] [--tag NAME]',
  {
    'data-dir': { type: 'string', default: '../shared/data' },
    model: { type: 'string', default: 'models/zsre-minilm-l6-general' },
    sentences: { type: 'string' },
    threads: { type: 'string' },
    machine: { type: 'string', default: 'quiet' },
    tag: { type: 'string' },
  },
);
const tag = flags.values.tag;
if (tag !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(tag)) flags.fail(`--tag: "${tag}" must be lower-case letters, digits and dashes (it names benchmarks/results/speed_${tag}.json)`);
const dataDir = resolve(flags.values['data-dir']);
const model = resolve(flags.values.model);
const sentences = flags.positiveInteger('sentences', 240);
const threads = flags.positiveInteger('threads', 2);
const machine = flags.values.machine;
const methods: MethodName[] = ['bi', 'emma', 'emma3', 'fullcross'];

export interface SpeedMethodRow {
  method: MethodName;
  sentencesPerSecond: number;
  /** sentences per second over the bi-encoder's, in the same run. */
  overBi: number;
  f1: number;
  accuracy: number;
  /** share of sentences whose candidates the cross-encoder re-scored. */
  reranked: number;
  /** (sentence, relation) pairs the cross-encoder scored, per sentence (candidates with a cross score). */
  crossPairsPerSentence: number;
  /** where a sentence's time went: milliseconds per sentence in each pipeline stage, and `other` (the rest of the call). */
  msPerSentence: StageBreakdown;
}

const stages: Stage[] = ['prepare', 'biEncoder', 'search', 'pairs', 'crossEncoder', 'rank'];
export type StageBreakdown = Record<Stage | 'other' | 'total', number>;

/** Stage timings of `calls` sentences over `totalMs` of wall time, per sentence; `other` is what no stage covers. */
function breakdown(timings: StageTimings, totalMs: number, sentencesCount: number): StageBreakdown {
  const per = (ms: number): number => Math.round((ms / sentencesCount) * 1000) / 1000;
  const covered = stages.reduce((sum, stage) => sum + (timings[stage] ?? 0), 0);
  return { ...(Object.fromEntries(stages.map((stage) => [stage, per(timings[stage] ?? 0)])) as Record<Stage, number>), other: per(totalMs - covered), total: per(totalMs) };
}

const loadBefore = loadAverage();
const table: { m: number; sentences: number; methods: SpeedMethodRow[]; emmaOverFullcross: number; emma3OverFullcross: number }[] = [];
for (const m of [5, 10, 15]) {
  const split = fewrelSplit(dataDir, m, 'ori');
  const relations = fewrelRelations(dataDir, split.test);
  const items = fewrelItems(dataDir, split.test, Math.ceil(sentences / m)).slice(0, sentences);
  const gold = items.map((item) => item.gold);
  const rows: SpeedMethodRow[] = [];
  for (const method of methods) {
    const timings: StageTimings = {};
    const run = await runMethod({ method, model, relations, items, threads, timings });
    const scores = classificationScores(gold, run.predicted);
    rows.push({
      method,
      sentencesPerSecond: run.sentencesPerSecond,
      overBi: 0,
      f1: scores.f1,
      accuracy: scores.accuracy,
      reranked: run.results.filter((result: ExtractResult) => result.reranked).length / run.results.length,
      crossPairsPerSentence:
        run.results.reduce((sum: number, result: ExtractResult) => sum + result.candidates.filter((c) => c.crossScore !== null).length, 0) / run.results.length,
      msPerSentence: breakdown(timings, run.seconds * 1000, items.length),
    });
  }
  const speedOf = (method: MethodName): number => rows.find((row) => row.method === method)?.sentencesPerSecond ?? Number.NaN;
  for (const row of rows) row.overBi = row.sentencesPerSecond / speedOf('bi');
  const entry = { m, sentences: items.length, methods: rows, emmaOverFullcross: speedOf('emma') / speedOf('fullcross'), emma3OverFullcross: speedOf('emma3') / speedOf('fullcross') };
  console.log(JSON.stringify(entry));
  table.push(entry);
}

// Latency of one extract() call, as an app answering one request at a time sees it (library defaults).
const split = fewrelSplit(dataDir, 5, 'ori');
const extractor = await createExtractor({ model, relations: fewrelRelations(dataDir, split.test), threads });
const latencyItems = fewrelItems(dataDir, split.test, 10);
const latencies: number[] = [];
let rerankedCalls = 0;
const singleTimings: StageTimings = {};
for (const [i, { tokens, head, tail }] of latencyItems.entries()) {
  const started = performance.now();
  const timings: StageTimings = {};
  const [result] = await extractor.extractBatch([{ tokens, head, tail }], { timings });
  if (i >= 5) {
    latencies.push(performance.now() - started); // the first calls warm up the sessions
    if (result?.reranked === true) rerankedCalls += 1;
    for (const stage of stages) singleTimings[stage] = (singleTimings[stage] ?? 0) + (timings[stage] ?? 0);
  }
}
const gate = extractor.model.manifest.fusion.crossGate?.minConfidence ?? null;
const candidateFloor = extractor.model.manifest.fusion.crossGate?.minCandidateProbability ?? 0;
await extractor.dispose();
latencies.sort((a, b) => a - b);
const quantile = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;

const result = {
  benchmark: 'speed',
  ...(tag === undefined ? {} : { tag }),
  model: repoPath(model),
  settings: {
    precision: 'int8',
    threads,
    batchSize: 'default (32)',
    split: 'FewRel fewrel_m{5,10,15}_ori test relations; the same sentences for every method at each m',
    sentencesPerM: sentences,
    methods: {
      bi: 'bi-encoder only (top 3 from the label index, bi-only fusion)',
      emma: `library default: manifest topK, adaptive cross-encoder (skipped at bi-only confidence >= ${gate ?? 'no gate: always on'}; below it, candidates under bi-only probability ${candidateFloor} unscored)`,
      emma3: 'EMMA k=3, cross-encoder always on',
      fullcross: 'cross-encoder on all m relations, best cross score',
    },
    f1: 'closed-set top-1 among the m relations (ZS-BERT/RE-Matching/EMMA definition); the shipped general model saw these relations in training, so F1 is not zero-shot for it',
    machine,
  },
  environment: { ...runEnvironment(), loadAverageBefore: loadBefore },
  table,
  singleExtractMs: {
    p50: quantile(0.5),
    p95: quantile(0.95),
    calls: latencies.length,
    reranked: rerankedCalls,
    m: 5,
    meanByStage: breakdown(singleTimings, latencies.reduce((sum, ms) => sum + ms, 0), latencies.length),
  },
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
};
console.log(JSON.stringify(result, null, 2));
console.log(`wrote ${writeResult(tag === undefined ? 'speed' : `speed_${tag}`, result)}`);
