/**
 * benchmarks/lib/splitModel.ts: a split named on the command line, and the check that a model was
 * trained for it (benchmarks that measure on a split's never-trained relations rely on it).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { namedFewrelSplit, requireTrainedFor } from '../benchmarks/lib/splitModel.js';
import type { Manifest } from '../src/model/manifest.js';

const dataDir = mkdtempSync(join(tmpdir(), 'zsre-split-model-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const fail = (message: string): never => {
  throw new Error(message);
};

describe('namedFewrelSplit', () => {
  it('reads fewrel_m<m>_<seed> from the split file and refuses other names', () => {
    mkdirSync(join(dataDir, 'fewrel', 'splits'), { recursive: true });
    writeFileSync(join(dataDir, 'fewrel', 'splits', 'fewrel_rel2id_5_43.json'), JSON.stringify({ train: { P1: 0 }, eval: { P2: 0 }, test: { P3: 0, P4: 1 } }));
    const split = namedFewrelSplit(dataDir, 'fewrel_m5_43', fail);
    expect(split).toMatchObject({ name: 'fewrel_m5_43', m: 5, seed: '43', test: ['P3', 'P4'], eval: ['P2'], train: ['P1'] });
    expect(() => namedFewrelSplit(dataDir, 'm5_43', fail)).toThrow('--split m5_43: expected a FewRel split name such as fewrel_m15_43');
  });
});

describe('requireTrainedFor', () => {
  const manifest = (split: string | undefined) => ({ provenance: { split } }) as unknown as Manifest;
  const split = { m: 10, seed: 'ori', name: 'fewrel_m10_ori' };
  it('passes a model whose provenance names the split file, and names both splits otherwise', () => {
    expect(() => requireTrainedFor(manifest('data/fewrel/splits/fewrel_rel2id_10_ori.json'), '/models/x', split, fail)).not.toThrow();
    expect(() => requireTrainedFor(manifest('fewrel_rel2id_15_43.json'), '/models/x', split, fail)).toThrow(/records split fewrel_rel2id_15_43.json, not fewrel_rel2id_10_ori: pass the model trained for fewrel_m10_ori/);
    expect(() => requireTrainedFor(manifest(undefined), '/models/x', split, fail)).toThrow('/models/x records no split: it is no FewRel split model; pass the model trained for fewrel_m10_ori');
  });
});
