/**
 * Shorter cross-encoder pairs (option pairLength) on the tiny fixture: a pair that already fits
 * is scored exactly as without the option, a longer one is cut (its cross score changes), and a
 * length too small to hold the markers is refused.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractor, type ExtractItem, type ExtractResult, isZsreError, type Relation } from '../src/index.js';
import { fixtureDir, tempDir } from './helpers/modelDir.js';

const relations: Relation[] = [
  { id: 'P40', name: 'child' },
  { id: 'P26', name: 'spouse' },
  { id: 'P19', name: 'place of birth' },
  { id: 'P108', name: 'employer', description: 'the organisation a person works or worked for, under a contract, for a salary or a wage' },
];
const filler = 'after a long and eventful journey through the mountains and the valleys of the northern provinces';
const items: ExtractItem[] = [
  { text: 'Ada married Bob .', head: 'Ada', tail: 'Bob' },
  { text: `Marie Curie , ${filler} , married Pierre Curie in Paris , ${filler} .`, head: 'Marie Curie', tail: 'Pierre Curie' },
];

let cacheDir: string;
async function run(pairLength?: { sentence: number; description: number }): Promise<ExtractResult[]> {
  const extractor = await createExtractor({ model: fixtureDir, relations, cacheDir, rerank: 'always', ...(pairLength ? { pairLength } : {}) });
  try {
    return await extractor.extractBatch(items);
  } finally {
    await extractor.dispose();
  }
}
const crossOf = (result: ExtractResult): Record<string, number | null> => Object.fromEntries(result.candidates.map((c) => [c.id, c.crossScore]));

beforeAll(async () => {
  cacheDir = await tempDir('zsre-pair-length-');
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('pairLength', () => {
  it('scores pairs that fit exactly as full pairs, and cuts longer ones', async () => {
    const full = await run();
    expect(await run({ sentence: 128, description: 64 })).toEqual(full);
    const short = await run({ sentence: 12, description: 5 });
    // "[CLS] # ada # married @ bob @ . [SEP]" and name-only descriptions fit: same scores
    const [fits, cut] = [crossOf(short[0]!), crossOf(short[1]!)];
    for (const id of ['P40', 'P26', 'P19']) if (id in fits) expect(fits[id]).toBe(crossOf(full[0]!)[id]);
    // the long sentence is re-windowed: every pair of it changes
    for (const [id, score] of Object.entries(cut)) expect(score, id).not.toBe(crossOf(full[1]!)[id]);
  });

  it('refuses a length that cannot hold the entity markers', async () => {
    const error = await createExtractor({ model: fixtureDir, relations, cacheDir, pairLength: { sentence: 6, description: 3 } }).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(isZsreError(error) && error.code === 'INVALID_INPUT' && /pairLength\.sentence/.test(error.message)).toBe(true);
  });
});
