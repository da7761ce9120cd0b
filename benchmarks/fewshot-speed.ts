/**
 * Throughput with relations taught by examples (issue 22's target: 5 examples for each of 100
 * relations within 5% of descriptions only). Two extractors over the same relations, one with
 * descriptions only and one whose every relation also carries examples, timed on the same
 * sentences in interleaved rounds, in the library's default mode and bi-encoder only; plus the
 * time to build each (encoding the examples and fitting the adapted vectors is part of building).
 *
 *   npm run bench:fewshot-speed -- [--model DIR] [--data-dir ../shared/data] [--examples 5] [--sentences 200] [--rounds 3] [--threads 2]
 *
 * Relations: every FewRel relation (80, with its Wikidata description): FewRel is the data here
 * with sentences for that many relation types. Examples and timed sentences never overlap.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createExtractor, type ExtractItem, type Extractor } from '../src/index.js';
import { defaultModelDirectory } from '../src/model/defaultModel.js';
import { parseFlags } from './lib/args.js';
import { fewrelItems, fewrelRelations } from './lib/datasets.js';
import { repoPath, resultsDir, runEnvironment, writeResult } from './lib/environment.js';

const usage = 'Usage: npm run bench:fewshot-speed -- [--model DIR] [--data-dir ../shared/data] [--examples 5] [--sentences 200] [--rounds 3] [--threads 2]';
const flags = parseFlags(usage, {
  model: { type: 'string' },
  'data-dir': { type: 'string', default: '../shared/data' },
  examples: { type: 'string' },
  sentences: { type: 'string' },
  rounds: { type: 'string' },
  threads: { type: 'string' },
});
const dataDir = resolve(flags.values['data-dir']);
const modelDir = resolve(flags.values.model ?? defaultModelDirectory());
const perRelation = flags.positiveInteger('examples', 5);
const sentenceCount = flags.positiveInteger('sentences', 200);
const rounds = flags.positiveInteger('rounds', 3);
const threads = flags.positiveInteger('threads', 2);

// Every FewRel relation: the union of one split file's parts.
const splitFile = JSON.parse(readFileSync(join(dataDir, 'fewrel', 'splits', 'fewrel_rel2id_5_ori.json'), 'utf8')) as Record<string, Record<string, number>>;
const splitIds = Object.values(splitFile).flatMap((part) => Object.keys(part));
const relations = fewrelRelations(dataDir, splitIds);
const items = fewrelItems(dataDir, splitIds, perRelation + Math.ceil(sentenceCount / splitIds.length));
const byRelation = new Map<string, ExtractItem[]>();
for (const { tokens, head, tail, gold } of items) byRelation.set(gold, [...(byRelation.get(gold) ?? []), { tokens, head, tail }]);
const taught = relations.map((relation) => ({ ...relation, examples: (byRelation.get(relation.id) ?? []).slice(0, perRelation) }));
// Timed sentences: the ones after each relation's examples, taken round-robin until there are enough.
const sentences: ExtractItem[] = [];
for (let at = perRelation; sentences.length < sentenceCount; at += 1) {
  const before = sentences.length;
  for (const relation of relations) {
    const item = byRelation.get(relation.id)?.[at];
    if (item !== undefined && sentences.length < sentenceCount) sentences.push(item);
  }
  if (sentences.length === before) break;
}

const cacheDir = mkdtempSync(join(tmpdir(), 'zsre-fewshot-speed-'));
const build = async (withExamples: boolean, useCrossEncoder: boolean): Promise<{ extractor: Extractor; seconds: number }> => {
  const started = performance.now();
  const extractor = await createExtractor({ model: modelDir, relations: withExamples ? taught : relations, cacheDir: join(cacheDir, String(withExamples)), threads, useCrossEncoder });
  return { extractor, seconds: (performance.now() - started) / 1000 };
};
const modes = [
  { name: 'default (adaptive cross-encoder)', useCrossEncoder: true },
  { name: 'bi-encoder only', useCrossEncoder: false },
];
const rows = [];
for (const mode of modes) {
  // The first build of each encodes (descriptions, examples); the figures below are of a second, cached build.
  for (const withExamples of [false, true]) await (await build(withExamples, mode.useCrossEncoder)).extractor.dispose();
  const plain = await build(false, mode.useCrossEncoder);
  const withExamples = await build(true, mode.useCrossEncoder);
  const times = { descriptions: [] as number[], examples: [] as number[] };
  let reranked = { descriptions: 0, examples: 0 };
  for (let round = 0; round < rounds; round += 1) {
    for (const [key, extractor] of [['descriptions', plain.extractor], ['examples', withExamples.extractor]] as const) {
      const started = performance.now();
      const results = await extractor.extractBatch(sentences);
      times[key].push((performance.now() - started) / 1000);
      reranked = { ...reranked, [key]: results.filter((result) => result.reranked).length };
    }
  }
  const best = (values: number[]) => Math.min(...values);
  const row = {
    mode: mode.name,
    buildSecondsCached: { descriptions: plain.seconds, examples: withExamples.seconds },
    sentencesPerSecond: { descriptions: sentences.length / best(times.descriptions), examples: sentences.length / best(times.examples) },
    ratio: best(times.descriptions) / best(times.examples),
    rerankedSentences: reranked,
    roundSeconds: times,
  };
  console.log(`${mode.name}: ${row.sentencesPerSecond.descriptions.toFixed(1)} sentences/s with descriptions, ${row.sentencesPerSecond.examples.toFixed(1)} with examples (ratio ${row.ratio.toFixed(3)}); cached build ${plain.seconds.toFixed(2)} s / ${withExamples.seconds.toFixed(2)} s`);
  rows.push(row);
  await plain.extractor.dispose();
  await withExamples.extractor.dispose();
}
rmSync(cacheDir, { recursive: true, force: true });

const result = {
  benchmark: 'fewshot-speed',
  model: repoPath(modelDir),
  relations: relations.length,
  examplesPerRelation: perRelation,
  sentences: sentences.length,
  rounds,
  threads,
  measure: 'best of the rounds (interleaved, same sentences); ratio = descriptions time / examples time (above 1: examples faster)',
  rows,
  environment: runEnvironment(),
};
console.log(`wrote ${writeResult('fewshot-speed', result, join(resultsDir, 'fewshot'))}`);
