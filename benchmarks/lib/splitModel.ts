/**
 * A FewRel split model named on a benchmark's command line (`--split fewrel_m15_43`): the split's
 * relations, and the check that a model directory was trained for that split (a split model's
 * manifest provenance names its split file). bench:fewshot, bench:fewshot-sets and
 * bench:threshold-transfer measure on relations a split model never trained on, so a model
 * trained for another split would be measured on relations it knows.
 */
import type { Manifest } from '../../src/model/manifest.js';
import { fewrelSplit, type ZeroShotSplit } from './datasets.js';
import { repoPath } from './environment.js';

/** The split named `fewrel_m<m>_<seed>`, read from the data folder. */
export function namedFewrelSplit(dataDir: string, name: string, fail: (message: string) => never): ZeroShotSplit & { m: number; seed: string } {
  const match = /^fewrel_m(\d+)_(\w+)$/.exec(name);
  if (match === null) return fail(`--split ${name}: expected a FewRel split name such as fewrel_m15_43`);
  const [m, seed] = [Number(match[1]), match[2] as string];
  return { ...fewrelSplit(dataDir, m, seed), m, seed };
}

/** Fails unless the model's provenance names the split's file (fewrel_rel2id_<m>_<seed>). */
export function requireTrainedFor(manifest: Manifest, modelDir: string, split: { m: number; seed: string; name: string }, fail: (message: string) => never): void {
  const splitFileName = `fewrel_rel2id_${split.m}_${split.seed}`;
  if (manifest.provenance.split === undefined) fail(`${repoPath(modelDir)} records no split: it is no FewRel split model; pass the model trained for ${split.name}`);
  if (!String(manifest.provenance.split).includes(splitFileName)) {
    fail(`${repoPath(modelDir)} records split ${String(manifest.provenance.split)}, not ${splitFileName}: pass the model trained for ${split.name}`);
  }
}
