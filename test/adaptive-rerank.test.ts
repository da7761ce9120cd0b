/**
 * The adaptive fine-grained stage (`rerank: 'adaptive'`, manifest.fusion.crossGate) on the tiny
 * fixture with a gate written into a copy of its manifest: a sentence the bi-encoder is sure of
 * gets exactly its bi-only result and `reranked: false`, every other one exactly the always-on
 * fused result, within one batch.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealManifest } from '../src/model/integrity.js';
import { createExtractor, type ExtractItem, type ExtractResult, type Relation } from '../src/index.js';
import { copyFixture, tempDir } from './helpers/modelDir.js';

const relations: Relation[] = [
  { id: 'P26', name: 'spouse', description: 'the subject has the object as their husband or wife' },
  { id: 'P19', name: 'place of birth', description: 'the most specific known birth location of a person' },
  { id: 'P17', name: 'country', description: 'the sovereign state this item is in' },
  { id: 'P40', name: 'child' },
  { id: 'P108', name: 'employer', description: 'the organisation a person works or worked for' },
];
const text = 'Marie Curie married Pierre Curie in Paris , France , and worked for the University of Paris .';
const names = ['Marie Curie', 'Pierre Curie', 'Paris', 'France', 'University of Paris'];
const items: ExtractItem[] = names.flatMap((head) => names.filter((tail) => tail !== head && !head.includes(tail) && !tail.includes(head)).map((tail) => ({ text, head, tail })));

let model: string;
let cacheDir: string;

async function withGate(minConfidence: number | null, minCandidateProbability?: number): Promise<void> {
  const file = path.join(model, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as { fusion: Record<string, unknown> };
  if (minConfidence === null) delete manifest.fusion.crossGate;
  else manifest.fusion.crossGate = { minConfidence, ...(minCandidateProbability === undefined ? {} : { minCandidateProbability }), fittedOn: { relations: ['test'] } };
  await writeFile(file, JSON.stringify(sealManifest(manifest as unknown as Record<string, unknown>)));
}

async function run(options: { rerank?: 'adaptive' | 'always'; useCrossEncoder?: boolean }, batch: ExtractItem[] = items): Promise<ExtractResult[]> {
  const extractor = await createExtractor({ model, relations, cacheDir, batchSize: 4, ...options });
  try {
    return await extractor.extractBatch(batch);
  } finally {
    await extractor.dispose();
  }
}

/** The bi-only confidence the gate compares: the best candidate's or the "no relation" share. */
const confidence = (result: ExtractResult): number =>
  Math.max(result.candidates[0]?.probability ?? 0, 1 - result.candidates.reduce((sum, c) => sum + c.probability, 0));

beforeAll(async () => {
  model = await copyFixture();
  cacheDir = await tempDir('zsre-adaptive-');
});
afterAll(async () => {
  await rm(model, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
});

describe('rerank: adaptive', () => {
  it('always runs the cross-encoder for a model without a gate', async () => {
    await withGate(null);
    const results = await run({});
    expect(results.every((result) => result.reranked && result.candidates.every((c) => c.crossScore !== null))).toBe(true);
  });

  it('skips exactly the sentences at or above the gate, with their bi-only result', async () => {
    await withGate(null);
    const always = await run({ rerank: 'always' });
    const biOnly = await run({ useCrossEncoder: false });
    expect(biOnly.every((result) => !result.reranked)).toBe(true);
    const confidences = biOnly.map(confidence).sort((a, b) => a - b);
    const gate = confidences[Math.floor(confidences.length / 2)]!;
    expect(confidences[0]).toBeLessThan(gate); // some sentences on each side

    await withGate(gate);
    const adaptive = await run({});
    const forced = await run({ rerank: 'always' });
    expect(forced).toEqual(always);
    let skipped = 0;
    adaptive.forEach((result, index) => {
      const sure = confidence(biOnly[index]!) >= gate;
      expect(result.reranked, `item ${index}`).toBe(!sure);
      if (sure) skipped += 1;
      expect(result).toEqual(sure ? biOnly[index] : always[index]);
    });
    expect(skipped).toBeGreaterThan(0);
    expect(skipped).toBeLessThan(items.length);
  });

  it('skips every sentence at gate 0', async () => {
    await withGate(0);
    const results = await run({ rerank: 'adaptive' });
    expect(results.every((result) => !result.reranked && result.candidates.every((c) => c.crossScore === null))).toBe(true);
  });

  it('below the gate, scores only the candidates at or above the floor, and always the best', async () => {
    await withGate(null);
    const always = await run({ rerank: 'always' });
    const biOnly = await run({ useCrossEncoder: false });
    // A floor in the middle of the runner-ups' bi-only probabilities (no sentence is skipped at gate 1).
    const runnerUps = biOnly.flatMap((result) => result.candidates.slice(1).map((c) => c.probability)).sort((a, b) => a - b);
    const floor = runnerUps[Math.floor(runnerUps.length / 2)]!;
    await withGate(1, floor);
    const adaptive = await run({});
    let unscored = 0;
    adaptive.forEach((result, index) => {
      expect(result.reranked, `item ${index}`).toBe(true);
      const bi = biOnly[index]!;
      for (const candidate of result.candidates) {
        const biProbability = bi.candidates.find((c) => c.id === candidate.id)!.probability;
        const scored = candidate.id === bi.candidates[0]!.id || biProbability >= floor;
        const always_ = always[index]!.candidates.find((c) => c.id === candidate.id)!;
        expect(candidate.biScore).toBe(always_.biScore);
        expect(candidate.crossScore, `item ${index} ${candidate.id}`).toBe(scored ? always_.crossScore : null);
        if (!scored) unscored += 1;
      }
    });
    expect(unscored).toBeGreaterThan(0);
    expect(unscored).toBeLessThan(adaptive.length * 2);
    // The same answer for an item alone as in its batch.
    for (const index of [0, 5, 11]) {
      expect((await run({}, [items[index]!]))[0]).toEqual(adaptive[index]);
    }
  });
});
