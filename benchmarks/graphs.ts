/**
 * Graph-level benchmark (issue 23): every variant of both encoders (training/build_graph_variants.py)
 * timed with onnxruntime-node, as users run them, on identical inputs, interleaved in one process
 * (each round runs every variant once, in a rotating order), so that a loaded machine slows all
 * variants alike and the ratios to the per-tensor dynamic graph are the comparable figures.
 * Per variant: a batch of 32 rows (bi-encoder: 40 tokens, cross-encoder: 64), its per-row cost,
 * and one row alone; bit-identical outputs across batch size, order and padding, checked here in
 * onnxruntime-node; accuracy on the held-out calibration sentences and invariance on the export
 * gate's layouts, from the Python build (checks.json).
 *
 *   npm run bench:graphs -- [--model models/zsre-minilm-l6-general] [--variants tmp/graph-variants]
 *                           [--build] [--source DIR] [--data-dir ../shared/data] [--rounds 15] [--threads 2] [--machine NOTE]
 *
 * --only a,b,c times just those variants (more rounds in the same time) and writes graphs_only-a-b-c.json.
 * --tag NAME writes a full run to graphs_NAME.json beside graphs.json: a run on another kind of
 * processor (int8 kernels differ between AVX2, AVX-512 VNNI and AMX), shown in the README too.
 * --build (or a missing variants folder) runs training/build_graph_variants.py first; --source names
 * a folder with the int8 graphs to build from when the model's own are static already (e.g. the
 * per-row graphs from the model directory's git history).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGraphSession, type GraphSession, type Int64Feed } from '../src/encoders/session.js';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { parseFlags } from './lib/args.js';
import { loadAverage, repoPath, repoRoot, runEnvironment, writeResult } from './lib/environment.js';

const flags = parseFlags(
  'Usage: npm run bench:graphs -- [--model DIR] [--variants DIR] [--build] [--source DIR] [--only a,b | --tag NAME] [--data-dir ../shared/data] [--rounds 15] [--threads 2] [--machine NOTE]',
  {
    model: { type: 'string', default: 'models/zsre-minilm-l6-general' },
    variants: { type: 'string', default: 'tmp/graph-variants' },
    build: { type: 'boolean', default: false },
    source: { type: 'string' },
    only: { type: 'string' },
    tag: { type: 'string' },
    'data-dir': { type: 'string', default: '../shared/data' },
    rounds: { type: 'string' },
    threads: { type: 'string' },
    machine: { type: 'string', default: 'quiet' },
  },
);
const modelDir = resolve(flags.values.model);
const variantsDir = resolve(flags.values.variants);
const rounds = flags.positiveInteger('rounds', 15);
const threads = flags.positiveInteger('threads', 2);
const python = join(repoRoot, '.venv', 'bin', 'python');
const tag = flags.values.tag;
if (tag !== undefined && flags.values.only !== undefined) flags.fail('--tag names a full run on another processor: leave out --only, or --tag');
if (tag !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(tag)) flags.fail(`--tag: "${tag}" must be lower-case letters, digits and dashes (it names benchmarks/results/graphs_${tag}.json)`);

if (flags.values.build || !existsSync(join(variantsDir, 'checks.json'))) {
  const source = flags.values.source === undefined ? [] : ['--source', resolve(flags.values.source)];
  execFileSync(python, ['training/build_graph_variants.py', '--model', modelDir, '--out', variantsDir, '--data-dir', resolve(flags.values['data-dir']), '--threads', String(threads), ...source], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

interface Checks {
  model: string;
  builtAt: string;
  pythonOnnxruntime: string;
  heldOutRelations: string[];
  calibration: Record<string, unknown> & { ranges?: unknown };
  variants: Record<string, Record<string, unknown>>;
}
interface InputRow {
  ids: number[];
  length: number;
  headIndex?: number;
  tailIndex?: number;
  typeIds?: number[];
}
const checks = JSON.parse(readFileSync(join(variantsDir, 'checks.json'), 'utf8')) as Checks;
const inputs = JSON.parse(readFileSync(join(variantsDir, 'inputs.json'), 'utf8')) as Record<'bi' | 'cross', { tokens: number; rows: InputRow[] }>;
const only = flags.values.only?.split(',').filter((name) => name !== '');
for (const name of only ?? []) if (!(name in checks.variants)) flags.fail(`--only: no variant "${name}" in ${join(variantsDir, 'checks.json')} (${Object.keys(checks.variants).join(', ')})`);
const variants = only ?? Object.keys(checks.variants);
const baseline = 'perTensor';
const model = await loadModelDirectory(modelDir, 'int8', { crossEncoder: true });
const specs = { bi: model.manifest.graphs.biEncoder, cross: model.manifest.graphs.crossEncoder } as const;
const crossReadsMarkers = specs.cross?.inputs.some((input) => input.name === 'head_index') ?? false;

type Encoder = 'bi' | 'cross';
const files: Record<Encoder, string> = { bi: 'bi_encoder.onnx', cross: 'cross_encoder.onnx' };
const outputName: Record<Encoder, string> = { bi: 'sentence_vector', cross: 'score' };

/** Feeds for rows (each cut to `width` tokens: its own length for a row alone, the common width in a batch). */
function feeds(encoder: Encoder, rows: readonly InputRow[], width: number): Record<string, Int64Feed> {
  const dims = [rows.length, width];
  const ids = new BigInt64Array(rows.length * width);
  const mask = new BigInt64Array(rows.length * width);
  const types = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) => {
    for (let t = 0; t < width; t++) {
      ids[r * width + t] = BigInt(row.ids[t] ?? 0);
      mask[r * width + t] = t < row.length ? 1n : 0n;
      types[r * width + t] = BigInt(row.typeIds?.[t] ?? 0);
    }
  });
  const index = (key: 'headIndex' | 'tailIndex'): Int64Feed => ({ data: BigInt64Array.from(rows, (row) => BigInt(row[key] ?? 0)), dims: [rows.length] });
  if (encoder === 'bi') return { input_ids: { data: ids, dims }, attention_mask: { data: mask, dims }, head_index: index('headIndex'), tail_index: index('tailIndex') };
  const cross: Record<string, Int64Feed> = { input_ids: { data: ids, dims }, attention_mask: { data: mask, dims }, token_type_ids: { data: types, dims } };
  if (crossReadsMarkers) Object.assign(cross, { head_index: index('headIndex'), tail_index: index('tailIndex') });
  return cross;
}

const sessions = new Map<string, GraphSession>();
for (const variant of variants) {
  for (const encoder of ['bi', 'cross'] as const) {
    const spec = specs[encoder];
    if (spec === undefined) throw new Error(`${modelDir} has no ${encoder}-encoder graph spec`);
    sessions.set(`${variant}/${encoder}`, await createGraphSession(join(variantsDir, variant, files[encoder]), spec, { threads, label: `${variant} ${encoder}-encoder` }));
  }
}
const run = async (variant: string, encoder: Encoder, feed: Record<string, Int64Feed>): Promise<Float32Array> =>
  (await (sessions.get(`${variant}/${encoder}`) as GraphSession).run(feed, [outputName[encoder]]))[outputName[encoder]]?.data as Float32Array;

// Batch invariance in onnxruntime-node: each row alone (its own length, no padding) against the
// same row in the padded batch of 32, in the batch reversed, and in batches of 8.
const invariance: Record<string, Record<Encoder, { maxDiff: number; bitIdentical: boolean }>> = {};
for (const variant of variants) {
  invariance[variant] = {} as Record<Encoder, { maxDiff: number; bitIdentical: boolean }>;
  for (const encoder of ['bi', 'cross'] as const) {
    const { rows, tokens } = inputs[encoder];
    const size = encoder === 'bi' ? 1152 : 1;
    const alone = await Promise.all(rows.map(async (row) => run(variant, encoder, feeds(encoder, [row], row.length))));
    const layouts: InputRow[][][] = [[rows], [[...rows].reverse()], Array.from({ length: rows.length / 8 }, (_, i) => rows.slice(i * 8, i * 8 + 8))];
    let maxDiff = 0;
    let identical = true;
    for (const layout of layouts) {
      for (const batch of layout) {
        const out = await run(variant, encoder, feeds(encoder, batch, tokens));
        batch.forEach((row, r) => {
          const reference = alone[rows.indexOf(row)] as Float32Array;
          for (let j = 0; j < size; j++) {
            const a = out[r * size + j] as number;
            const b = reference[j] as number;
            if (!Object.is(a, b)) identical = false;
            maxDiff = Math.max(maxDiff, Math.abs(a - b));
          }
        });
      }
    }
    invariance[variant][encoder] = { maxDiff, bitIdentical: identical };
  }
}

// Timing: warm up, then `rounds` rounds, each running every variant once per measurement in a rotating order.
const loadBefore = loadAverage();
const batchFeeds = { bi: feeds('bi', inputs.bi.rows, inputs.bi.tokens), cross: feeds('cross', inputs.cross.rows, inputs.cross.tokens) };
const singleRow = { bi: inputs.bi.rows[0] as InputRow, cross: inputs.cross.rows[0] as InputRow };
const singleFeeds = { bi: feeds('bi', [singleRow.bi], singleRow.bi.length), cross: feeds('cross', [singleRow.cross], singleRow.cross.length) };
type Measure = `${Encoder}Batch` | `${Encoder}Single`;
const measures: Measure[] = ['biBatch', 'crossBatch', 'biSingle', 'crossSingle'];
const feedOf = (measure: Measure): [Encoder, Record<string, Int64Feed>] => {
  const encoder: Encoder = measure.startsWith('bi') ? 'bi' : 'cross';
  return [encoder, measure.endsWith('Batch') ? batchFeeds[encoder] : singleFeeds[encoder]];
};
const times: Record<string, Record<Measure, number[]>> = Object.fromEntries(
  variants.map((variant) => [variant, Object.fromEntries(measures.map((measure) => [measure, [] as number[]])) as Record<Measure, number[]>]),
);
for (const variant of variants) for (const measure of measures) for (let i = 0; i < 2; i++) await run(variant, ...feedOf(measure));
const started = performance.now();
for (let round = 0; round < rounds; round++) {
  for (const measure of measures) {
    const repeats = measure.endsWith('Single') ? 4 : 1; // single rows are short: time a few calls each
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[(v + round) % variants.length] as string;
      const [encoder, feed] = feedOf(measure);
      const t0 = performance.now();
      for (let i = 0; i < repeats; i++) await run(variant, encoder, feed);
      (times[variant] as Record<Measure, number[]>)[measure].push((performance.now() - t0) / repeats);
    }
  }
  process.stdout.write(`round ${round + 1}/${rounds}\r`);
}
const seconds = (performance.now() - started) / 1000;
const loadAfter = loadAverage();
for (const session of sessions.values()) await session.release();

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const round3 = (value: number): number => Math.round(value * 1000) / 1000;
const rows = inputs.bi.rows.length;
const table = variants.map((variant) => {
  const own = times[variant] as Record<Measure, number[]>;
  const base = times[baseline] as Record<Measure, number[]> | undefined;
  // per-round ratios to the baseline, then their median: robust to load that drifts between rounds
  const ratio = (measure: Measure): number | null => (base === undefined ? null : round3(median(own[measure].map((ms, i) => ms / (base[measure][i] as number)))));
  const { heldOut, batchInvariance, top1AgreementWithPerRow } = checks.variants[variant] as Record<string, unknown>;
  return {
    variant,
    biMsPerRow: round3(median(own.biBatch) / rows),
    crossMsPerRow: round3(median(own.crossBatch) / rows),
    biBatchMs: round3(median(own.biBatch)),
    crossBatchMs: round3(median(own.crossBatch)),
    biSingleRowMs: round3(median(own.biSingle)),
    crossSingleRowMs: round3(median(own.crossSingle)),
    overPerTensor: { biBatch: ratio('biBatch'), crossBatch: ratio('crossBatch'), biSingle: ratio('biSingle'), crossSingle: ratio('crossSingle') },
    bitIdenticalNode: invariance[variant] as Record<Encoder, { maxDiff: number; bitIdentical: boolean }>,
    heldOut,
    top1AgreementWithPerRow,
    batchInvariancePython: batchInvariance,
  };
});
for (const row of table) {
  console.log(
    `${row.variant.padEnd(12)} bi ${row.biMsPerRow.toFixed(2)} ms/row (x${row.overPerTensor.biBatch}), cross ${row.crossMsPerRow.toFixed(2)} ms/row (x${row.overPerTensor.crossBatch}); ` +
      `single bi ${row.biSingleRowMs.toFixed(2)} cross ${row.crossSingleRowMs.toFixed(2)} ms; bit-identical bi ${row.bitIdenticalNode.bi.bitIdentical} cross ${row.bitIdenticalNode.cross.bitIdentical}; ` +
      `held-out ${JSON.stringify(row.heldOut)}`,
  );
}

const { ranges: _ranges, ...calibration } = checks.calibration;
// Which variant the model directory ships, from the conversion its manifest records.
const exportChecks = model.manifest.provenance['exportChecks'] as Record<string, unknown> | undefined;
const staticRecord = exportChecks?.['staticQuantization'] as { bits?: number; weightBits?: number } | undefined;
// A cross-encoder whose last layer runs at its pooled position only (training/pool_cross_encoder.py) adds 'Pooled'.
const pooled = exportChecks !== undefined && 'pooledLastLayer' in exportChecks ? 'Pooled' : '';
const shipped =
  staticRecord !== undefined
    ? `static${staticRecord.bits ?? 8}${staticRecord.weightBits === 7 ? 'w7' : ''}${pooled}`
    : exportChecks !== undefined && 'rowQuantization' in exportChecks
      ? 'perRow'
      : 'unknown';
const result = {
  benchmark: 'graphs',
  ...(tag === undefined ? {} : { tag }),
  model: repoPath(modelDir),
  shipped,
  shippedSha256: { bi: model.manifest.graphs.biEncoder.files.int8?.sha256, cross: model.manifest.graphs.crossEncoder?.files.int8?.sha256 },
  variantsBuiltBy: `training/build_graph_variants.py (${checks.builtAt}; Python onnxruntime ${checks.pythonOnnxruntime} for the accuracy and export-gate invariance checks)`,
  variantFiles: Object.fromEntries(variants.map((variant) => [variant, { bi: repoPath(join(variantsDir, variant, files.bi)), cross: repoPath(join(variantsDir, variant, files.cross)) }])),
  settings: {
    threads,
    interOpThreads: 1,
    graphOptimization: 'all',
    rounds,
    interleaving: 'each round runs every variant once per measurement, the starting variant rotating by round',
    batch: { rows, biTokens: inputs.bi.tokens, crossTokens: inputs.cross.tokens, note: 'held-out sentences of <= 40 tokens (bi) and sentence+description pairs of <= 64 tokens (cross), padded to those widths' },
    singleRow: { biTokens: singleRow.bi.length, crossTokens: singleRow.cross.length, callsPerMeasurement: 4 },
    perRow: 'median batch time / rows',
    ratios: `median over rounds of (variant time / ${baseline} time in the same round)`,
    heldOut: `accuracy and macro F1 (points) on ${String((checks.variants[variants[0] as string] as Record<string, unknown>)['heldOutSentences'])} held-out sentences of the calibration relations ${checks.heldOutRelations.join(', ')} (fused: bi + cross as the manifest's fusion, k = topK; biOnly: the bi-encoder's top 1)`,
    bitIdenticalNode: 'onnxruntime-node: each of the 32 rows alone at its own length against the same row in the padded batch of 32, reversed, and in batches of 8',
    machine: flags.values.machine,
  },
  environment: { ...runEnvironment(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
  calibration,
  seconds: Math.round(seconds),
  table,
};
console.log(`wrote ${writeResult(only !== undefined ? `graphs_only-${only.join('-')}` : tag !== undefined ? `graphs_${tag}` : 'graphs', result)}`);
