import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hardSubsetScores } from '../benchmarks/lib/hardSubset.js';
import { classificationScores } from '../benchmarks/lib/metrics.js';
import { computeAgreement, runtimeResultSchema } from '../benchmarks/lib/agreement.js';
import { readCheckedJson, referenceResultSchema } from '../benchmarks/lib/fewrelFiles.js';
import { everyLabel, readPredictions } from '../benchmarks/lib/predictions.js';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures');

describe('npm run bench:fewrel on the tiny model: --out-dir, --predictions, the hard subset, agreement with the Python reference', () => {
  it('writes the result (old fields kept) and predictions in its sentence order, with the hard subset scored from them', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'zsre-fewrel-')), 'fewrel', 'runtime');
    const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const args = ['--data-dir', join(fixtures, 'data'), '--model', join(fixtures, 'tiny-model'), '--splits', '5_ori', '--hard-relations', join(fixtures, 'fewrel-hard-relations.json'), '--out-dir', out, '--predictions', join(out, '{split}.predictions.json')];
    const child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'benchmarks', 'fewrel.ts'), ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((done) => child.on('close', done)), stderr).toBe(0);

    const result = JSON.parse(readFileSync(join(out, 'fewrel_m5_ori.json'), 'utf8')) as Record<string, unknown> & {
      methods: { method: string; f1: number; sentencesPerSecond: number }[];
      hardSubset: { relations: string[]; sentences: number; methods: Record<string, unknown>[] };
    };
    expect(runtimeResultSchema.parse(result).pipeline).toBe('typescript-runtime-onnx-int8');
    // the fields older readers use are still there
    expect(result).toMatchObject({ benchmark: 'fewrel-zero-shot', split: 'fewrel_m5_ori', m: 5, seed: 'ori', perRelation: 'all', sentences: 15, relationsWithFewerInstances: ['P177', 'P364', 'P361', 'P641', 'P59'], settings: { precision: 'int8' } });
    expect(result.methods.map((x) => x.method)).toEqual(['bi', 'emma2', 'emma3', 'emma4', 'fullcross']);
    expect(result.methods.every((x) => x.sentencesPerSecond > 0)).toBe(true);

    const predictions = readPredictions(join(out, 'fewrel_m5_ori.predictions.json'));
    // fixture val_wiki.json: three instances of each test relation, in the split's order
    expect(predictions.gold).toEqual(['P177', 'P364', 'P361', 'P641', 'P59'].flatMap((id) => [id, id, id]));
    expect(Object.keys(predictions.methods)).toEqual(['bi', 'emma2', 'emma3', 'emma4', 'fullcross']);
    for (const row of result.methods) expect(row.f1).toBe(classificationScores(predictions.gold, everyLabel(predictions, row.method)).f1);

    expect(result.hardSubset.relations).toEqual(['P177', 'P361']);
    expect(result.hardSubset.sentences).toBe(6);
    expect(result.hardSubset).toEqual(hardSubsetScores(predictions.gold, new Map(Object.keys(predictions.methods).map((m) => [m, everyLabel(predictions, m)])), ['P177', 'P361']));

    // the Python reference pipeline's output on the same model (fixture): same decisions on every sentence
    const tiny = join(fixtures, 'fewrel-results-tiny');
    const agreement = computeAgreement({
      reference: readCheckedJson(join(tiny, 'fewrel_m5_ori.json'), referenceResultSchema, ''),
      runtime: runtimeResultSchema.parse(result),
      files: { reference: 'python', runtime: 'typescript' },
      predictions: { reference: readPredictions(join(tiny, 'fewrel_m5_ori.predictions.json')), runtime: predictions },
    });
    expect(agreement.methods.map((x) => [x.method, x.top1Agreement])).toEqual(['bi', 'emma2', 'emma3', 'emma4', 'fullcross'].map((method) => [method, 1]));
    for (const row of agreement.methods) expect(row.difference).toBeCloseTo(0, 12);
  });
});
