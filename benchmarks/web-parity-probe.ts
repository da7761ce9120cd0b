/**
 * npm run bench:web-parity-probe -- --exposed FILE [--model models/zsre-minilm-l6-general] [--threads 1]
 *
 * Why the page's probabilities differ from Node's (issue 25, parity to 1e-4): runs the int8
 * bi-encoder on the 200 parity sentences in onnxruntime-node (native kernels) and in
 * onnxruntime-web's WASM build (the page's kernels, here in Node's V8), one sentence per call as
 * both runtimes run it, and per sentence counts the activations that the two round to a different
 * 8-bit value inside the graph, beside the largest difference of the sentence vectors.
 * FILE is the graph with its QuantizeLinear outputs exposed:
 *   .venv/bin/python training/expose_quantized.py --graph <model>/bi_encoder.int8.onnx --out FILE
 * Writes benchmarks/results/web-parity/probe.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { prepareItem } from '../src/pipeline/prepare.js';
import { loadTokenizer } from '../src/tokenizer/load.js';
import { parseFlags } from './lib/args.js';
import { repoPath, resultsDir, runEnvironment, writeResult } from './lib/environment.js';
import { readParitySet, parityFile } from './lib/webPage.js';

const usage = 'Usage: npm run bench:web-parity-probe -- --exposed FILE [--model models/zsre-minilm-l6-general] [--threads 1]';
const flags = parseFlags(usage, {
  exposed: { type: 'string' },
  model: { type: 'string', default: 'models/zsre-minilm-l6-general' },
  threads: { type: 'string' },
});
if (flags.values.exposed === undefined) throw flags.fail('--exposed is required: write it with training/expose_quantized.py (see the usage at the top of benchmarks/web-parity-probe.ts)');
const exposedPath = resolve(flags.values.exposed);
if (!existsSync(exposedPath)) throw flags.fail(`--exposed ${flags.values.exposed}: no such file; write it with .venv/bin/python training/expose_quantized.py --graph ${flags.values.model}/bi_encoder.int8.onnx --out ${flags.values.exposed}`);
const threads = flags.positiveInteger('threads', 1);
const modelDir = resolve(flags.values.model);
const environment = runEnvironment();

const model = await loadModelDirectory(modelDir, 'int8', { crossEncoder: false });
const tokenizer = await loadTokenizer(model.directory, model.manifest);
const parity = readParitySet();
const sequences = parity.items.map(({ gold: _gold, ...item }) => prepareItem(item, tokenizer, model.manifest.maxLength.sentence).sequence);

// The library's settings in each runtime (src/encoders/session.ts, src/web/session.ts).
ortWeb.env.wasm.numThreads = threads;
const native = await ortNode.InferenceSession.create(exposedPath, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
const wasm = await ortWeb.InferenceSession.create(readFileSync(exposedPath), { graphOptimizationLevel: 'all' });
const quantized = native.outputNames.filter((name) => name.endsWith('_quantized'));
if (quantized.length === 0) throw new Error(`${flags.values.exposed} exposes no QuantizeLinear output: write it with training/expose_quantized.py`);

type Row = { sentence: number; tokens: number; activations: number; flipped: number; flippedBy: number; firstFlipped: string | null; vectorMaxDiff: number };
const rows: Row[] = [];
for (const [index, sequence] of sequences.entries()) {
  const length = sequence.ids.length;
  const feeds = <T extends typeof ortNode.Tensor | typeof ortWeb.Tensor>(Tensor: T) => ({
    input_ids: new Tensor('int64', BigInt64Array.from(sequence.ids, BigInt), [1, length]),
    attention_mask: new Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]),
    head_index: new Tensor('int64', BigInt64Array.from([BigInt(sequence.headIndex)]), [1]),
    tail_index: new Tensor('int64', BigInt64Array.from([BigInt(sequence.tailIndex)]), [1]),
  });
  const a = await native.run(feeds(ortNode.Tensor) as Record<string, ortNode.Tensor>);
  const b = await wasm.run(feeds(ortWeb.Tensor) as Record<string, ortWeb.Tensor>);
  let activations = 0;
  let flipped = 0;
  let flippedBy = 0;
  let firstFlipped: string | null = null;
  // In graph order (the output list follows the nodes), so the first flip is the earliest.
  for (const name of quantized) {
    const x = a[name]?.data as Uint8Array | Int8Array;
    const y = b[name]?.data as Uint8Array | Int8Array;
    activations += x.length;
    for (let i = 0; i < x.length; i += 1) {
      const step = Math.abs((x[i] as number) - (y[i] as number));
      if (step === 0) continue;
      flipped += 1;
      flippedBy = Math.max(flippedBy, step);
      firstFlipped ??= name;
    }
  }
  const va = a.sentence_vector?.data as Float32Array;
  const vb = b.sentence_vector?.data as Float32Array;
  let vectorMaxDiff = 0;
  for (let i = 0; i < va.length; i += 1) vectorMaxDiff = Math.max(vectorMaxDiff, Math.abs((va[i] as number) - (vb[i] as number)));
  rows.push({ sentence: index, tokens: length, activations, flipped, flippedBy, firstFlipped, vectorMaxDiff });
}
await native.release();
await wasm.release();

const withFlips = rows.filter((row) => row.flipped > 0);
const without = rows.filter((row) => row.flipped === 0);
const max = (values: number[]) => values.reduce((a, b) => Math.max(a, b), 0);
const summary = {
  sentences: rows.length,
  sentencesWithAFlippedActivation: withFlips.length,
  flippedActivations: { total: withFlips.reduce((sum, row) => sum + row.flipped, 0), perSentenceMax: max(rows.map((row) => row.flipped)), largestStep: max(rows.map((row) => row.flippedBy)) },
  activationsPerSentenceMean: Math.round(rows.reduce((sum, row) => sum + row.activations, 0) / Math.max(1, rows.length)),
  vectorMaxDiff: {
    withoutFlips: max(without.map((row) => row.vectorMaxDiff)),
    withFlipsSmallest: withFlips.length === 0 ? null : Math.min(...withFlips.map((row) => row.vectorMaxDiff)),
    withFlipsLargest: max(withFlips.map((row) => row.vectorMaxDiff)),
  },
};
console.log(JSON.stringify(summary, null, 1));
const out = writeResult('probe', {
  benchmark: 'web-parity-probe',
  environment: { ...environment, onnxruntimeWeb: JSON.parse(readFileSync(resolve('node_modules/onnxruntime-web/package.json'), 'utf8')).version as string },
  settings: {
    model: repoPath(modelDir),
    graph: 'bi_encoder.int8.onnx with every QuantizeLinear output exposed (training/expose_quantized.py)',
    sentences: repoPath(parityFile),
    threads,
    runtimes: 'onnxruntime-node (native CPU kernels) against onnxruntime-web (WASM SIMD) in Node, graphOptimizationLevel all in both, one sentence per call',
    activations: `the ${quantized.length} QuantizeLinear outputs of the graph (the int8 activations the graph computes with)`,
  },
  summary,
  rows,
}, join(resultsDir, 'web-parity'));
console.log(`wrote ${repoPath(out)}`);
