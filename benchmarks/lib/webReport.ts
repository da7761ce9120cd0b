/** The "In the browser" figures (README and benchmarks/results/README.md) from web.json (benchmarks/web.ts). */
import { commitLabel } from './environment.js';

export interface WebResult {
  benchmark: 'web';
  environment: { commit: string; dirty?: boolean; cpu: string; cores: number; node: string; chromium: string; loadAverage?: { start: number[]; end: number[] } };
  settings: { sentences: string; relations: number; loads: number; pageThreads: string };
  size: { pageBundle: { bytes: number; gzip: number }; wasmLoader: { bytes: number; gzip: number }; wasm: { bytes: number }; modelBytes: number };
  firstAnswerMs: { cold: number; warm: number };
  sentencesPerSecond: { pageThreaded: number; pageSingleThread: number; node2Threads: number; node1Thread: number };
  parity: { sentences: number; top1AgreeThreaded: number; top1AgreeSingleThread: number; maxProbabilityDiffThreaded: number; maxProbabilityDiffSingleThread: number; lowerRankSwaps: number; sentencesWithin?: Record<'1e-4' | '1e-3' | '1e-2', number> };
  labelIndexScan: { dim: number; k: number; page: { labels: number; msPerQuery: number }[]; node: { labels: number; msPerQuery: number }[] };
}

export function isWebResult(value: { benchmark: string }): value is WebResult {
  return value.benchmark === 'web';
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** `screenshot` is the page's screenshot path as the including file sees it. */
export function webMarkdown(result: WebResult, screenshot: string): string[] {
  const { size, firstAnswerMs: first, sentencesPerSecond: speed, parity, environment: env } = result;
  const load = env.loadAverage === undefined ? '' : `; 1-minute load average ${env.loadAverage.start[0]} at the start, ${env.loadAverage.end[0]} at the end (other jobs shared the cores)`;
  const scanRows = result.labelIndexScan.page.map((row, index) => `| ${row.labels.toLocaleString('en-US')} | ${row.msPerQuery} ms | ${result.labelIndexScan.node[index]?.msPerQuery ?? '?'} ms |`);
  return [
    `Measured by \`npm run bench:web\` (benchmarks/results/web.json) in headless Chromium ${env.chromium} on ${env.cpu} (${env.cores} cores), Node ${env.node}, commit ${commitLabel(env)}${load}.`,
    '',
    '| budget | measured |',
    '|---|---|',
    `| JS the page loads (besides the WASM binary and the model) | ${kb(size.pageBundle.bytes)} bundle (${kb(size.pageBundle.gzip)} gzip) + ${kb(size.wasmLoader.bytes)} onnxruntime-web WASM loader; not counted: WASM ${mb(size.wasm.bytes)}, model ${mb(size.modelBytes)} |`,
    `| time to first answer, cold (fresh profile, model over HTTP from localhost) | ${(first.cold / 1000).toFixed(1)} s (median of ${result.settings.loads}) |`,
    `| time to first answer, warm (model from the Cache API) | ${(first.warm / 1000).toFixed(1)} s (median of ${result.settings.loads}) |`,
    `| sentences/s, page (WASM, cross-origin isolated: threads) | ${speed.pageThreaded} |`,
    `| sentences/s, page (WASM, one thread) | ${speed.pageSingleThread} |`,
    `| sentences/s, Node (onnxruntime-node, 2 threads / 1 thread) | ${speed.node2Threads} / ${speed.node1Thread} |`,
    `| same top-1 as Node (${parity.sentences} FewRel sentences, int8) | ${parity.top1AgreeThreaded}/${parity.sentences} threaded, ${parity.top1AgreeSingleThread}/${parity.sentences} one thread |`,
    `| largest probability difference from Node (int8) | ${parity.maxProbabilityDiffThreaded.toExponential(1)} threaded, ${parity.maxProbabilityDiffSingleThread.toExponential(1)} one thread (fp32 graphs: below 1e-7, test/web-browser.test.ts) |`,
    ...(parity.sentencesWithin === undefined
      ? []
      : [`| sentences whose probabilities all lie within 1e-4 / 1e-3 / 1e-2 of Node's (int8) | ${parity.sentencesWithin['1e-4']} / ${parity.sentencesWithin['1e-3']} / ${parity.sentencesWithin['1e-2']} of ${parity.sentences} |`]),
    '',
    `Exact label index, one query (dim ${result.labelIndexScan.dim}, top ${result.labelIndexScan.k}):`,
    '',
    '| relations | page | Node |',
    '|---|---|---|',
    ...scanRows,
    '',
    `![The playground](${screenshot})`,
  ];
}
