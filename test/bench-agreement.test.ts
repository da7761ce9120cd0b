import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agreementSchema, computeAgreement, runtimeResultSchema } from '../benchmarks/lib/agreement.js';
import { readCheckedJson, referenceResultSchema } from '../benchmarks/lib/fewrelFiles.js';
import { fewrelMarkdown } from '../benchmarks/lib/fewrelReport.js';
import { classificationScores } from '../benchmarks/lib/metrics.js';
import { readPredictions } from '../benchmarks/lib/predictions.js';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, 'test', 'fixtures', 'fewrel-results', 'fewrel');
const paths = {
  reference: join(dir, 'fewrel_m5_ori.json'),
  otherModel: join(dir, 'fewrel_m5_40.json'),
  runtime: join(dir, 'runtime', 'fewrel_m5_ori.json'),
  referencePredictions: join(dir, 'fewrel_m5_ori.predictions.json'),
  runtimePredictions: join(dir, 'runtime', 'fewrel_m5_ori.predictions.json'),
};
const reference = readCheckedJson(paths.reference, referenceResultSchema, '');
const runtime = readCheckedJson(paths.runtime, runtimeResultSchema, '');
const predictions = { reference: readPredictions(paths.referencePredictions), runtime: readPredictions(paths.runtimePredictions) };
const files = { reference: 'ref.json', runtime: 'rt.json' };

function runAgreement(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'benchmarks', 'agreement.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

describe('agreement between the reference pipeline and the TypeScript runtime', () => {
  it('gives each pipeline\'s F1, their difference and the top-1 agreement per method both ran', () => {
    const agreement = computeAgreement({ reference, runtime, files, predictions });
    expect(agreement.split).toBe('fewrel_m5_ori');
    expect(agreement.predictionsCompared).toBe(true);
    expect(agreement.model.sha256).toEqual({ biEncoder: 'b'.repeat(64), crossEncoder: 'd'.repeat(64) });
    expect(agreement.reference).toEqual({ file: 'ref.json', pipeline: 'python-reference-onnx-int8', modelDirectory: 'training/exports/fewrel_m5_ori', commit: '0123456789abcdef0123456789abcdef01234567', machine: 'fixture machine' });
    expect(agreement.runtime.machine).toBe('2 x AMD EPYC');
    // the runtime file has bi and emma2 only
    expect(agreement.methods.map((x) => x.method)).toEqual(['bi', 'emma2']);
    expect(agreement.methods[0]).toEqual({ method: 'bi', referenceF1: 0.8, runtimeF1: 0.8, difference: 0, top1Agreement: 1 });
    const emma2 = agreement.methods[1]!;
    expect(emma2.difference).toBeCloseTo(-0.02, 12);
    // the two emma2 lists differ at sentences 1 and 9 of 10
    expect(emma2.top1Agreement).toBe(0.8);
    expect(agreementSchema.parse(agreement)).toEqual(agreement);
  });

  it('reads the flat predictions file of training/evaluate_fewrel.py ({gold, bi, emma2, ...}) as the same thing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'zsre-predictions-')), 'flat.json');
    writeFileSync(out, JSON.stringify({ gold: predictions.reference.gold, ...predictions.reference.methods }));
    expect(readPredictions(out)).toEqual(predictions.reference);
    writeFileSync(out, JSON.stringify({ gold: ['P1', 'P2'], bi: ['P1'] }));
    expect(() => readPredictions(out)).toThrow(/field "methods\.bi" has 1 predictions for 2 gold sentences/);
  });

  it('leaves the top-1 agreement out without predictions', () => {
    const agreement = computeAgreement({ reference, runtime, files });
    expect(agreement.predictionsCompared).toBe(false);
    expect(agreement.methods.every((x) => x.top1Agreement === undefined)).toBe(true);
  });

  it('compares a method the reference scored on a sample only on the sentences both scored', () => {
    const gold = predictions.reference.gold;
    // the reference's fullcross: sentences 0, 3, 4 and 9 of 10 (its seeded sample); the runtime: all 10
    const sampledLabels = gold.map((g, i) => ([0, 3, 4, 9].includes(i) ? (i === 3 ? 'P59' : g) : null));
    const runtimeLabels = gold.map((g, i) => (i === 4 ? 'P177' : g));
    const ref = { ...reference, methods: reference.methods.map((x) => (x.method === 'fullcross' ? { ...x, f1: 0.7, sentences: 4 } : x)) };
    const rt = { ...runtime, methods: [...runtime.methods, { method: 'fullcross', f1: 0.9 }] };
    const agreement = computeAgreement({
      reference: ref,
      runtime: rt,
      files,
      predictions: { reference: { ...predictions.reference, methods: { ...predictions.reference.methods, fullcross: sampledLabels } }, runtime: { ...predictions.runtime, methods: { ...predictions.runtime.methods, fullcross: runtimeLabels } } },
    });
    const row = agreement.methods.find((x) => x.method === 'fullcross')!;
    const on = [0, 3, 4, 9];
    expect(row.sentences).toBe(4);
    expect(row.referenceF1).toBe(classificationScores(on.map((i) => gold[i]!), on.map((i) => sampledLabels[i]!)).f1);
    expect(row.runtimeF1).toBe(classificationScores(on.map((i) => gold[i]!), on.map((i) => runtimeLabels[i]!)).f1);
    // they differ at sentences 3 and 4
    expect(row.top1Agreement).toBe(0.5);
    expect(agreementSchema.parse(agreement)).toEqual(agreement);
    // the other methods cover every sentence, as before
    expect(agreement.methods.find((x) => x.method === 'bi')).toEqual({ method: 'bi', referenceF1: 0.8, runtimeF1: 0.8, difference: 0, top1Agreement: 1 });
    // without predictions the sampled method cannot be compared: left out rather than set against the runtime's F1 on all sentences
    expect(computeAgreement({ reference: ref, runtime: rt, files }).methods.map((x) => x.method)).toEqual(['bi', 'emma2']);
    expect(computeAgreement({ reference, runtime: rt, files }).methods.map((x) => x.method)).toEqual(['bi', 'emma2', 'fullcross']);
  });

  it('errors out when the two runs scored different graphs', () => {
    const other = { ...runtime, model: { ...runtime.model, sha256: { ...runtime.model.sha256, crossEncoder: 'e'.repeat(64) } } };
    expect(() => computeAgreement({ reference, runtime: other, files })).toThrow(/not the same model: crossEncoder sha256 is d{64} in the reference .* but e{64} in the runtime run/);
  });

  it('errors out on different sentence sets or sentence orders', () => {
    expect(() => computeAgreement({ reference, runtime: { ...runtime, sentences: 5 }, files })).toThrow(/reference scored 10 sentences, the runtime 5; run npm run bench:fewrel without --per-relation/);
    const swapped = { ...predictions.runtime, gold: [...predictions.runtime.gold].reverse() };
    expect(() => computeAgreement({ reference, runtime, files, predictions: { reference: predictions.reference, runtime: swapped } })).toThrow(/different orders \(first difference at sentence 0: P177 vs P59\)/);
  });

  it('is shown as a table in the report', () => {
    const agreement = computeAgreement({ reference, runtime, files, predictions });
    const text = fewrelMarkdown({ results: [], agreements: [agreement], previous: [] }).join('\n');
    expect(text).toContain(`| fewrel_m5_ori | EMMA k=2 | 90.00 | 88.00 | -2.00 | 80.00% | ${'b'.repeat(12)} / ${'d'.repeat(12)} | 01234567, fixture machine | fedcba98, 2 x AMD EPYC |`);

    expect(text).toContain('Splits compared per m: m=5: ori; m=10: none yet; m=15: none yet.');
  });
});

describe('npm run bench:agreement', () => {
  it('writes <out-dir>/<split>.json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zsre-agreement-'));
    const run = await runAgreement(['--reference', paths.reference, '--runtime', paths.runtime, '--reference-predictions', paths.referencePredictions, '--runtime-predictions', paths.runtimePredictions, '--out-dir', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('fewrel_m5_ori emma2: reference F1 90.00, runtime 88.00 (-2.00), same top-1 on 80.00% of sentences');
    const written = agreementSchema.parse(JSON.parse(readFileSync(join(out, 'fewrel_m5_ori.json'), 'utf8')));
    expect(written.reference.file).toBe('test/fixtures/fewrel-results/fewrel/fewrel_m5_ori.json');
    expect(written.methods.map((x) => x.top1Agreement)).toEqual([1, 0.8]);
  });

  it('exits 1 naming the graph when the models differ', async () => {
    const run = await runAgreement(['--reference', paths.otherModel, '--runtime', paths.runtime, '--out-dir', mkdtempSync(join(tmpdir(), 'zsre-agreement-'))]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not the same model: biEncoder sha256/);
  });

  it('wants both predictions files or neither', async () => {
    const run = await runAgreement(['--reference', paths.reference, '--runtime', paths.runtime, '--runtime-predictions', paths.runtimePredictions]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--reference-predictions and --runtime-predictions go together');
  });
});
