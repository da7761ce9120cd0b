import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hardRelationsOf, hardSubsetScores, readHardRelations } from '../benchmarks/lib/hardSubset.js';
import { classificationScores } from '../benchmarks/lib/metrics.js';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures');

describe('hard subset scores (the runtime bench\'s metric on the hard relations\' sentences)', () => {
  const gold = ['A', 'A', 'B', 'B', 'C', 'C'];
  const predicted = new Map([
    ['bi', ['A', 'C', 'B', 'B', 'C', 'A']],
    ['emma2', ['A', 'A', 'B', 'A', 'A', 'A']],
  ]);

  it('keeps the sentences whose gold relation is hard, predictions still over all candidates', () => {
    const result = hardSubsetScores(gold, predicted, ['A', 'B'])!;
    expect(result.relations).toEqual(['A', 'B']);
    expect(result.sentences).toBe(4);
    const bi = result.methods[0]!;
    expect(bi.method).toBe('bi');
    // kept: gold A A B B, predicted A C B B; C is a predicted label too: precision (1 + 1) / 3
    expect(bi.precision).toBeCloseTo(2 / 3, 12);
    expect(bi.recall).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(bi.sentences).toBe(4);
    expect(result.methods[1]).toEqual({ method: 'emma2', ...classificationScores(['A', 'A', 'B', 'B'], ['A', 'A', 'B', 'A']) });
    // and it differs from the full figure, so the filter is doing something
    expect(bi.f1).not.toBeCloseTo(classificationScores(gold, predicted.get('bi')!).f1, 6);
  });

  it('has no score when no sentence has a hard gold relation', () => {
    expect(hardSubsetScores(gold, predicted, [])).toBeUndefined();
    expect(hardSubsetScores(gold, predicted, ['Z'])).toBeUndefined();
  });

  it('refuses predictions that do not cover every sentence', () => {
    expect(() => hardSubsetScores(gold, new Map([['bi', ['A']]]), ['A'])).toThrow(/bi: 1 predictions for 6 sentences/);
  });
});

describe('fewrel-hard-relations.json', () => {
  it('reads the file and the split\'s hard relations', () => {
    const file = readHardRelations(join(fixtures, 'fewrel-hard-relations.json'));
    expect(file?.listedPairs[0]).toEqual(['P177', 'P361', 'made-up pair for the test']);
    expect(hardRelationsOf(file, 'fewrel_m5_ori', ['P177', 'P364', 'P361', 'P641', 'P59'])).toEqual(['P177', 'P361']);
    expect(hardRelationsOf(file, 'fewrel_m5_40', ['P1'])).toBeUndefined();
  });

  it('is optional: a missing file gives no hard subset', () => {
    expect(readHardRelations(join(fixtures, 'no-such-file.json'))).toBeUndefined();
    expect(hardRelationsOf(undefined, 'fewrel_m5_ori', [])).toBeUndefined();
  });

  it('names the field of a malformed file, and what to do', () => {
    expect(() => readHardRelations(join(fixtures, 'fewrel-hard-relations.malformed.json'))).toThrow(
      /Invalid .*fewrel-hard-relations\.malformed\.json: field "splits\.fewrel_m5_ori\.hard" .*Regenerate it/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'zsre-hard-'));
    writeFileSync(join(dir, 'broken.json'), '{"encoder": ');
    expect(() => readHardRelations(join(dir, 'broken.json'))).toThrow(/broken\.json is not valid JSON/);
  });

  it('refuses hard relations that are not among the split\'s test relations', () => {
    const file = readHardRelations(join(fixtures, 'fewrel-hard-relations.json'));
    expect(() => hardRelationsOf(file, 'fewrel_m5_ori', ['P177', 'P364'])).toThrow(/lists P361 as hard for fewrel_m5_ori, but they are not among its test relations/);
  });

  it('stops bench:fewrel before any model runs when the file is malformed', async () => {
    const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'benchmarks', 'fewrel.ts'), '--hard-relations', join(fixtures, 'fewrel-hard-relations.malformed.json'), '--models', join(fixtures, 'no-models')], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/field "splits\.fewrel_m5_ori\.hard"/);
    expect(stderr).not.toMatch(/skip fewrel_m/);
  });
});
