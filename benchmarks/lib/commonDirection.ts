/**
 * The examples rule's common direction (src/examples/adapt.ts `commonDirection`): the mean
 * bi-encoder sentence vector over marked entity pairs of running text, the direction every marked
 * sentence leans along whatever its relation.
 *
 * Source: every sentence pair (both orders) of the first `documents` documents of the Re-DocRED
 * calibration part, the part bench:documents fits its thresholds on (seed 21, 200 documents:
 * benchmarks/documents.ts), never its measuring part. Most of those pairs hold no relation, as in
 * the text a user runs: the mean stands for "a marked pair", not for any relation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractItem } from '../../src/index.js';
import { documentPairs, type RedocredDocument, splitDocuments } from './redocred.js';

export const commonDirectionSource = { seed: 21, calibrationSize: 200, documents: 100 };

/** The sentence pairs the direction is the mean of; null when the Re-DocRED file is absent. */
export function commonDirectionItems(dataDir: string, documents = commonDirectionSource.documents): { items: ExtractItem[]; documents: number[] } | null {
  const file = join(dataDir, 'extra', 'redocred', 'dev_revised.json');
  if (!existsSync(file)) return null;
  const all = JSON.parse(readFileSync(file, 'utf8')) as RedocredDocument[];
  const chosen = splitDocuments(all.length, commonDirectionSource.seed, commonDirectionSource.calibrationSize).calibration.slice(0, documents);
  const items = chosen.flatMap((index) =>
    documentPairs(all[index] as RedocredDocument, 0)
      .filter((pair) => pair.kind === 'sentence')
      .map((pair): ExtractItem => ({ text: pair.text, head: pair.headSpan, tail: pair.tailSpan })),
  );
  return { items, documents: chosen };
}

/** The mean of the vectors, rounded to 6 decimals for the manifest (a direction: its scale does not matter). */
export function meanDirection(vectors: readonly Float32Array[]): number[] {
  const first = vectors[0];
  if (first === undefined) throw new Error('no vectors to average');
  const sum = new Float64Array(first.length);
  for (const vector of vectors) for (let i = 0; i < sum.length; i += 1) sum[i] = (sum[i] as number) + (vector[i] as number);
  return Array.from(sum, (value) => Math.round((value / vectors.length) * 1e6) / 1e6);
}
