/**
 * A "no relation" calibration fitted on labelled pairs through the public API (fitCalibration),
 * as a user with their own labelled text would fit one: here the sentence pairs of the first
 * --calibration-docs documents of bench:documents' calibration part (Re-DocRED dev, seed 21), the 96
 * DocRED relations, each pair labelled with its gold relations or null. Folds by document. The
 * measuring documents are never read. Measure the result with
 *   npm run bench:documents -- --calibration-file FILE ...
 *
 *   npm run bench:fit-calibration -- --out FILE [--data-dir ../shared/data] [--model DIR] [--seed 21]
 *     [--calibration-size 200] [--calibration-docs 50] [--precision 0.7] [--threads 2]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createExtractor, fitCalibration, loadRelations, type LabelledPair } from 'zsre';
import { parseFlags } from './lib/args.js';
import { repoPath, repoRoot, runEnvironment } from './lib/environment.js';
import { documentPairs, splitDocuments, type RedocredDocument } from './lib/redocred.js';

const usage = `Usage: npm run bench:fit-calibration -- --out FILE [--data-dir DIR] [--model DIR] [--seed N] [--calibration-size N]
  [--calibration-docs N] [--precision X] [--threads N]`;
const flags = parseFlags(usage, {
  out: { type: 'string' },
  'data-dir': { type: 'string' },
  model: { type: 'string' },
  seed: { type: 'string' },
  'calibration-size': { type: 'string' },
  'calibration-docs': { type: 'string' },
  precision: { type: 'string' },
  threads: { type: 'string' },
});
const outRaw = flags.values.out;
if (outRaw === undefined) flags.fail('--out FILE is required: where the calibration (JSON) goes');
const out = resolve(outRaw as string);
const dataDir = resolve(flags.values['data-dir'] ?? join(repoRoot, '..', 'shared', 'data'));
const model = resolve(flags.values.model ?? join(repoRoot, 'models', 'zsre-minilm-l6-general'));
const seed = flags.positiveInteger('seed', 21);
const calibrationSize = flags.positiveInteger('calibration-size', 200);
const threads = flags.positiveInteger('threads', 2);
const precisionRaw = flags.values.precision ?? '0.7';
const precision = Number(precisionRaw);
if (!(precision > 0 && precision < 1)) flags.fail(`--precision must be a number between 0 and 1, received "${precisionRaw}"`);

const documents = JSON.parse(readFileSync(join(dataDir, 'extra', 'redocred', 'dev_revised.json'), 'utf8')) as RedocredDocument[];
const split = splitDocuments(documents.length, seed, calibrationSize);
const docs = split.calibration.slice(0, flags.positiveInteger('calibration-docs', 50));
const rel2id = JSON.parse(readFileSync(join(dataDir, 'extra', 'redocred', 'rel2id.json'), 'utf8')) as Record<string, number>;
const pids = Object.keys(rel2id).filter((id) => id !== 'Na').sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const wikidata = new Map((await loadRelations('wikidata')).map((relation) => [relation.id, relation]));
const relations = pids.map((id) => wikidata.get(id) as NonNullable<ReturnType<typeof wikidata.get>>);

const pairs: LabelledPair[] = docs.flatMap((doc) =>
  documentPairs(documents[doc] as RedocredDocument, 0).map((pair) => ({
    text: pair.text,
    head: pair.headSpan,
    tail: pair.tailSpan,
    relation: pair.gold.length === 0 ? null : pair.gold,
    group: `doc-${doc}`,
  })),
);
process.stderr.write(`${pairs.length} labelled sentence pairs of ${docs.length} calibration documents, ${pairs.filter((p) => p.relation !== null).length} related\n`);
const started = performance.now();
const extractor = await createExtractor({ model, relations, threads, cacheDir: join(repoRoot, '.zsre-cache') });
let last = 0;
const calibration = await fitCalibration(extractor, pairs, {
  precision,
  onProgress: ({ stage, done, total }) => {
    const now = performance.now();
    if (done === total || now - last > 20000) {
      last = now;
      process.stderr.write(`${stage}: ${done}/${total} (${((now - started) / 1000).toFixed(0)} s)\n`);
    }
  },
});
await extractor.dispose();
const seconds = (performance.now() - started) / 1000;
writeFileSync(
  out,
  `${JSON.stringify({ ...calibration, fittedOn: { ...calibration.fittedOn, data: 'Re-DocRED dev (extra/redocred/dev_revised.json), sentence pairs', seed, calibrationDocuments: docs, model: repoPath(model), seconds: Math.round(seconds), environment: runEnvironment() } }, null, 2)}\n`,
);
process.stderr.write(`wrote ${out} in ${seconds.toFixed(0)} s: thresholds ${calibration.threshold.toFixed(4)} (fused), ${calibration.biOnly.threshold.toFixed(4)} (bi-only)\n`);
