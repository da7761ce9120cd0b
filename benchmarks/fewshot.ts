/**
 * Relations taught by example sentences (issue 22): FewRel N-way K-shot episodes and a K curve on
 * ChemProt, on relations the model never trained on, with the model's int8 bi-encoder.
 *
 *   npm run bench:fewshot -- [--model DIR] [--split fewrel_m10_ori] [--data-dir ../shared/data]
 *                            [--episodes 1000] [--seed 7] [--write-rule]
 *
 * Relations (never the ones a rule is fitted on):
 *  - FewRel, with --split (a FewRel zero-shot split model, trained on the split's seen relations
 *    only): queries and examples from the split's test relations, 5-way and (with 10 or more of
 *    them) 10-way; the rule fitted (--rule-sources, default all three) on the split's eval
 *    relations, the fit half of the DocRED relations no FewRel relation shares, and ChemProt train.
 *  - FewRel without --split (the shipped model): its 5 calibration relations, which its recipe
 *    never trains on; the rule fitted on the first half of their sentences, the rows drawn from
 *    the other half (it trained on every other source, so no other held-out relations exist).
 *  - ChemProt (biomedical, a domain shift): examples from its train file, queries from its test
 *    file; the rule fitted on the FewRel relations above (with --split: the eval relations and the
 *    DocRED half, as --rule-sources names them). The
 *    split models never saw ChemProt; the shipped model trained on it.
 *  - None-of-the-above queries (FewRel 2.0) at 15% and 50%: sentences of other FewRel relations.
 * Methods: description only (K = 0), prototype (examples only, closed set), and the library's
 * rule (descriptions adapted to the examples, src/examples/adapt.ts). Episodes are scored on
 * precomputed vectors with the library's own functions; a sample of episodes is also run through
 * the public API (createExtractor with relations carrying examples) and must agree with them.
 * --write-rule fits the rule's strengths and shot penalties on the sources above (for a split model
 * its --rule-sources, ChemProt train included) and seals them into the model's manifest (fusion.examples);
 * for the shipped model with a common direction from Re-DocRED, for a split model without one
 * (Re-DocRED never goes into a FewRel benchmark model).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createExtractor, type ExtractItem } from '../src/index.js';
import { type ExampleRule, unfittedExampleRule } from '../src/examples/adapt.js';
import type { FusionParams } from '../src/fusion/fuse.js';
import { defaultModelDirectory } from '../src/model/defaultModel.js';
import { loadModelDirectory } from '../src/model/loadModel.js';
import { sealModelDirectory } from '../src/model/seal.js';
import { parseFlags } from './lib/args.js';
import { openBenchVectors } from './lib/benchVectors.js';
import { type BenchRelation, fewrelItems, fewrelRelations } from './lib/datasets.js';
import { repoPath, resultsDir, runEnvironment, writeResult } from './lib/environment.js';
import { namedFewrelSplit, requireTrainedFor } from './lib/splitModel.js';
import { chemprotItems } from './lib/chemprot.js';
import { commonDirectionItems, meanDirection } from './lib/commonDirection.js';
import { docredOutsideFewrel, relationHalf } from './lib/relationSets.js';
import { drawEpisodes, type Episode, episodeScores, type EpisodeSetting, fitRule, scoreEpisodes, type ScoringMethod, seededRandom, type VectorPool, withOpaqueNames } from './lib/fewshotEpisodes.js';

const usage =
  'Usage: npm run bench:fewshot -- [--model DIR] [--split fewrel_m10_ori [--rule-sources eval,docred,chemprot]] [--data-dir ../shared/data] [--episodes 1000] [--seed 7] [--per-relation 700] [--write-rule]';
const flags = parseFlags(usage, {
  model: { type: 'string' },
  split: { type: 'string' },
  'data-dir': { type: 'string', default: '../shared/data' },
  episodes: { type: 'string' },
  seed: { type: 'string' },
  'per-relation': { type: 'string' },
  'write-rule': { type: 'boolean', default: false },
  'rule-sources': { type: 'string' },
});
const dataDir = resolve(flags.values['data-dir']);
const modelDir = resolve(flags.values.model ?? defaultModelDirectory());
const episodes = flags.positiveInteger('episodes', 1000);
const seed = flags.positiveInteger('seed', 7);
const perRelation = flags.positiveInteger('per-relation', 700);
const started = performance.now();
// The commit whose code runs, taken now: one made while a long run goes on must not label it.
const environment = runEnvironment();

// ---- which FewRel relations are measured, and which the rule may be fitted on
const model = await loadModelDirectory(modelDir, 'int8', { crossEncoder: false });
const { manifest } = model;
const calibration = (manifest.fusion.fittedOn?.relations as string[] | undefined) ?? [];
const splitName = flags.values.split;
let testRelations: string[];
let fitRelations: string[]; // FewRel relations the rule for the FewRel rows may be fitted on (none: ChemProt only)
if (splitName !== undefined) {
  const split = namedFewrelSplit(dataDir, splitName, flags.fail);
  requireTrainedFor(manifest, modelDir, split, flags.fail);
  testRelations = split.test;
  fitRelations = split.eval;
  if (calibration.some((relation) => split.test.includes(relation))) flags.fail(`${repoPath(modelDir)} was calibrated on test relations of ${splitName}: pass the model trained for that split`);
} else {
  if (calibration.length < 5) flags.fail(`${repoPath(modelDir)}: manifest fusion.fittedOn.relations lists ${calibration.length} relations; the FewRel episodes need the 5 the model never trained on (or pass --split for a split model)`);
  testRelations = calibration;
  fitRelations = [];
}
const ways = testRelations.length >= 10 ? [5, 10] : [5];
// What a split model's rule is fitted on (never its test relations): its eval relations, the fit half
// of the DocRED relations outside FewRel (relationSets.ts: relationHalf), ChemProt train. The DocRED
// half was added on 2026-12-07 (bench:threshold-transfer: a fit on 5 relations carries poorly to others).
const knownSources = ['eval', 'docred', 'chemprot'] as const;
type RuleSource = (typeof knownSources)[number];
if (splitName === undefined && flags.values['rule-sources'] !== undefined) flags.fail('--rule-sources is for a split model (--split): the shipped model trained on DocRED and ChemProt');
const ruleSources = (flags.values['rule-sources'] ?? knownSources.join(',')).split(',') as RuleSource[];
for (const source of ruleSources) if (!knownSources.includes(source)) flags.fail(`--rule-sources ${flags.values['rule-sources']}: ${source} is not one of ${knownSources.join(', ')}`);
if (splitName !== undefined && !ruleSources.includes('eval') && !ruleSources.includes('docred')) flags.fail('--rule-sources: name eval or docred, the ChemProt rows need FewRel-like relations to fit their rule on');

// ---- vectors from the model's bi-encoder (int8, as the library runs it; cached: benchVectors.ts)
const vectors = await openBenchVectors(model);
const encodeItems = (items: readonly ExtractItem[]) => vectors.encodeItems(items);
const encodeRelations = async (relations: readonly BenchRelation[]) => {
  const encoded = await vectors.encodeRelations(relations);
  return new Map(relations.map((relation, index) => [relation.id, encoded[index] as Float32Array]));
};
const byRelation = <T>(gold: readonly string[], values: readonly T[]) => {
  const grouped = new Map<string, T[]>();
  gold.forEach((relation, index) => grouped.set(relation, [...(grouped.get(relation) ?? []), values[index] as T]));
  return grouped;
};
const fewrelPool = async (name: string, relations: string[]): Promise<{ pool: VectorPool; gold: ReturnType<typeof fewrelItems>; list: BenchRelation[] }> => {
  const gold = fewrelItems(dataDir, relations, perRelation);
  const list = fewrelRelations(dataDir, relations);
  const grouped = byRelation(gold.map((item) => item.gold), await encodeItems(gold.map(({ tokens, head, tail }) => ({ tokens, head, tail }))));
  return { pool: { name, relations, description: await encodeRelations(list), support: grouped, query: grouped }, gold, list };
};

const test = await fewrelPool('fewrel', testRelations);
// None-of-the-above queries: 10 sentences of each other FewRel relation.
const pid2name = JSON.parse(readFileSync(join(dataDir, 'fewrel', 'pid2name.json'), 'utf8')) as Record<string, unknown>;
const splitFile = JSON.parse(readFileSync(join(dataDir, 'fewrel', 'splits', 'fewrel_rel2id_5_ori.json'), 'utf8')) as Record<string, Record<string, number>>;
const others = Object.values(splitFile).flatMap((part) => Object.keys(part)).filter((id) => !testRelations.includes(id) && id in pid2name);
test.pool.outside = await encodeItems(fewrelItems(dataDir, others, 10).map(({ tokens, head, tail }) => ({ tokens, head, tail })));
const fit = fitRelations.length > 0 && ruleSources.includes('eval') ? await fewrelPool('fewrel-fit', fitRelations) : null;
// DocRED relations no FewRel relation shares, the fit half; none-of-the-above from the half's other relations.
let docredFit: VectorPool | null = null;
if (splitName !== undefined && ruleSources.includes('docred')) {
  const half = relationHalf(await docredOutsideFewrel(dataDir, 40, 100), 'fit');
  const grouped = byRelation(half.gold, await encodeItems(half.items));
  docredFit = { name: 'docred-fit', relations: half.relations.map((relation) => relation.id), description: await encodeRelations(half.relations), support: grouped, query: grouped };
}

const chemTrain = chemprotItems(dataDir, 'train.txt', 300);
const chemTest = chemprotItems(dataDir, 'test.txt', 300);
const chemRelations = chemprotRelationList();
const chemDescription = await encodeRelations(chemRelations);
const chemTrainByRelation = byRelation(chemTrain.gold, await encodeItems(chemTrain.items));
const chemTestByRelation = byRelation(chemTest.gold, await encodeItems(chemTest.items));
const chemRelationIds = chemRelations.map((relation) => relation.id).filter((id) => (chemTestByRelation.get(id)?.length ?? 0) >= 20 && (chemTrainByRelation.get(id)?.length ?? 0) >= 20);
// Fit part: the train file alone (examples and queries from disjoint train sentences).
const chemFitPool: VectorPool = { name: 'chemprot-train', relations: chemRelationIds, description: chemDescription, support: chemTrainByRelation, query: chemTrainByRelation };
const chemPool: VectorPool = { name: 'chemprot', relations: chemRelationIds, description: chemDescription, support: chemTrainByRelation, query: chemTestByRelation };
// Opaque names ("R1" ... "R10", no description): relations only their examples can teach.
const opaqueNames = [...(await encodeRelations(Array.from({ length: 10 }, (_, i) => ({ id: `R${i + 1}`, name: `R${i + 1}` })))).values()];
// The rule's common direction (adapt.ts): the model's own, or, with --write-rule, the mean vector of
// Re-DocRED calibration sentence pairs (benchmarks/lib/commonDirection.ts), written with the rule.
// Never for a split model: Re-DocRED may not go into a FewRel benchmark model (issue 21, item 5),
// so a split model's rule is fitted and written without a direction.
let direction: { vector: readonly number[]; pairs: number | null; documents: number[] | null } | null = null;
if (flags.values['write-rule'] && splitName === undefined) {
  const source = commonDirectionItems(dataDir);
  if (source === null) throw flags.fail(`--write-rule needs Re-DocRED for the rule's common direction: no extra/redocred/dev_revised.json under ${dataDir}`);
  direction = { vector: meanDirection(await encodeItems(source.items)), pairs: source.items.length, documents: source.documents };
} else if (manifest.fusion.examples?.commonDirection !== undefined) {
  direction = { vector: manifest.fusion.examples.commonDirection, pairs: null, documents: null };
}
const encodedSeconds = (performance.now() - started) / 1000;
await vectors.release();

// ---- the rule, fitted on relations other than the ones it is measured on
const fusion: FusionParams = { ...manifest.fusion.biOnly, crossWeight: 0 };
// Only the strengths and shot penalties are fitted here; steps and competitors are the library's (or the model's own).
const base: ExampleRule = {
  ...unfittedExampleRule,
  ...(manifest.fusion.examples === undefined ? {} : { steps: manifest.fusion.examples.steps, competitors: manifest.fusion.examples.competitors }),
  ...(direction === null ? {} : { commonDirection: direction.vector }),
};
// A rule as logs and results show it: the direction's numbers are in the manifest, not repeated.
const shown = (rule: ExampleRule) => ({ ...rule, commonDirection: rule.commonDirection === undefined ? null : `${rule.commonDirection.length} numbers` });
// Fit episodes: half with the relations' descriptions, half with opaque names only, so that the
// prior suits relations whose description says much and relations whose description says nothing.
// A pool without outside sentences (a split's 5 eval relations) takes its none-of-the-above
// queries from its own relations left out of the episode: 4-way there, as the threshold was fitted.
// (Until 2026-12-07 such pools drew 5-way episodes whose none queries silently came out empty, so
// a split model's penalty learned "none" from ChemProt alone.)
const fitWays = (pool: VectorPool) => (pool.outside === undefined ? Math.min(5, pool.relations.length - 1) : 5);
const fitEpisodes = (pool: VectorPool, salt: number): Episode[] => [
  ...[1, 2, 5, 10].flatMap((shots, i) => {
    const drawn = drawEpisodes(pool, { ways: fitWays(pool), shots, queries: 2, noneRate: 0.5 }, 100, seed * 1000 + salt + i);
    return [...drawn.slice(0, 50), ...withOpaqueNames(drawn.slice(50), opaqueNames)];
  }),
  // With as many "no relation" examples as each relation has (the rule's noneRelief).
  ...[1, 5, 10].flatMap((shots, i) => drawEpisodes(pool, { ways: fitWays(pool), shots, queries: 2, noneRate: 0.5, noneShots: shots }, 50, seed * 1000 + salt + 50 + i)),
];
const fewrelFitSource = fit?.pool ?? test.pool; // the ChemProt rows' rule: FewRel relations other than ChemProt's
// A split model's fit episodes per source (salts as before the DocRED half, so eval and ChemProt draw the same episodes).
const splitFitEpisodes = (salts: { eval: number; docred: number; chemprot: number }, sources: readonly RuleSource[]): Episode[] => [
  ...(fit !== null && sources.includes('eval') ? fitEpisodes(fit.pool, salts.eval) : []),
  ...(docredFit !== null && sources.includes('docred') ? fitEpisodes(docredFit, salts.docred) : []),
  ...(sources.includes('chemprot') ? fitEpisodes(chemFitPool, salts.chemprot) : []),
];
const fitSourceNames = (sources: readonly RuleSource[]): string[] => [
    ...(fit !== null && sources.includes('eval') ? [`FewRel ${fitRelations.join(', ')} (the split's eval relations; ${fitWays(fit.pool)}-way episodes, none-of-the-above queries from the eval relation left out)`] : []),
    ...(docredFit !== null && sources.includes('docred') ? [`DocRED sentences of ${docredFit.relations.join(', ')} (the fit half of the DocRED relations outside FewRel; 5-way, none-of-the-above from the half's other relations)`] : []),
    ...(sources.includes('chemprot') ? ['ChemProt train (5-way)'] : []),
];
// The FewRel rows' rule. A split model: fitted on its --rule-sources (eval relations, DocRED fit half,
// ChemProt train), which it never saw; the rows are measured on all of its test relations. The shipped model has no
// never-trained relations besides the ones measured (its recipe trained on every other source,
// ChemProt included, whose sibling relations make far harsher "none" queries: a rule fitted there
// answered almost nothing on FewRel at K >= 5), so its rule is fitted on the first half of each
// measured relation's sentences and the rows are drawn from the second half only.
const halves = (pool: VectorPool, half: 0 | 1): VectorPool => {
  const part = new Map([...pool.support].map(([relation, vectors]) => [relation, half === 0 ? vectors.slice(0, Math.floor(vectors.length / 2)) : vectors.slice(Math.floor(vectors.length / 2))]));
  return { ...pool, name: `${pool.name}-half${half + 1}`, support: part, query: part };
};
const rowsPool = splitName === undefined ? halves(test.pool, 1) : test.pool;
const chemprotRowSources = ruleSources.filter((source) => source !== 'chemprot');
const forFewrel = fitRule(splitName === undefined ? fitEpisodes(halves(test.pool, 0), 11) : splitFitEpisodes({ eval: 11, docred: 41, chemprot: 23 }, ruleSources), fusion, base);
const forChemprot = fitRule(splitName === undefined ? fitEpisodes(fewrelFitSource, 17) : splitFitEpisodes({ eval: 17, docred: 43, chemprot: 0 }, chemprotRowSources), fusion, base);
console.log(`rule for the FewRel rows (fitted on ${splitName === undefined ? 'the first half of their sentences' : fitSourceNames(ruleSources).join(' + ')}): ${JSON.stringify(shown(forFewrel.rule))}; for the ChemProt rows: ${JSON.stringify(shown(forChemprot.rule))}`);

const methodsFor = (setting: EpisodeSetting): ScoringMethod[] =>
  setting.shots === 0 ? ['description'] : (setting.noneShots ?? 0) > 0 ? ['adapted'] : setting.noneRate > 0 ? ['description', 'adapted'] : ['description', 'prototype', 'adapted'];
const run = (pool: VectorPool, setting: EpisodeSetting, rule: ExampleRule, salt: number, opaque = false) => {
  const plain = drawEpisodes(pool, setting, episodes, seed * 7919 + salt);
  const drawn = opaque ? withOpaqueNames(plain, opaqueNames) : plain;
  const methods = opaque ? methodsFor(setting).filter((method) => method !== 'description') : methodsFor(setting);
  const scores = Object.fromEntries(methods.map((method) => [method, scoreEpisodes(drawn, method, rule, fusion)]));
  return { ...setting, opaqueNames: opaque, episodes, scores };
};
// A model whose bi-only threshold is 1 never answers without the cross-encoder (its calibration found
// no threshold reaching the target precision): none-of-the-above rows would only count its silence.
const noneRates = fusion.threshold < 1 ? [0, 0.15, 0.5] : [0];
const fewrelSettings: EpisodeSetting[] = ways.flatMap((n) => [0, 1, 5, 10].flatMap((shots) => noneRates.map((noneRate) => ({ ways: n, shots, queries: 3, noneRate }))));
// Do examples of "no relation" sharpen the abstention? As many as each relation has, from outside the episode.
const noneExampleSettings: EpisodeSetting[] = noneRates.includes(0.5) ? [1, 5, 10].map((shots) => ({ ways: 5, shots, queries: 3, noneRate: 0.5, noneShots: shots })) : [];
const fewrelRows = [
  ...[...fewrelSettings, ...noneExampleSettings].map((setting, i) => run(rowsPool, setting, forFewrel.rule, 100 + i)),
  // Relations known by their examples only (opaque names), closed set.
  ...[1, 5, 10].map((shots, i) => run(rowsPool, { ways: 5, shots, queries: 3, noneRate: 0 }, forFewrel.rule, 300 + i, true)),
];
const chemRows = [0, 1, 2, 5, 10, 20].map((shots, i) => run(chemPool, { ways: 5, shots, queries: 3, noneRate: 0 }, forChemprot.rule, 200 + i));
// What the common direction does: the same episodes and strengths, with and without it.
const directionEffect =
  direction === null
    ? null
    : [0, 0.5].flatMap((noneRate) =>
        [1, 5, 10].map((shots, i) => {
          const drawn = drawEpisodes(rowsPool, { ways: 5, shots, queries: 3, noneRate }, episodes, seed * 7919 + 500 + i + noneRate * 10);
          const { commonDirection: _, ...free } = forFewrel.rule;
          return { ways: 5, shots, noneRate, episodes, withDirection: scoreEpisodes(drawn, 'adapted', forFewrel.rule, fusion), without: scoreEpisodes(drawn, 'adapted', free, fusion) };
        }),
      );
// What the shot penalty does (issue 22, abstention with examples): the same episodes, half the
// queries holding none of the relations, with the rule's penalties and with none. Two sources of
// such queries: sentences of other FewRel relations (FewRel 2.0; for a split model mostly
// relations it trained on), and sentences of the other never-trained relations of the pool (as
// the model's threshold was fitted: a held-out relation's sentences with that relation missing
// from the candidates).
const { outside: _outside, ...withinPool } = rowsPool;
const penaltyEffect = [
  { noneFrom: 'other FewRel relations', pool: rowsPool, ways: 5 },
  { noneFrom: 'the other never-trained relations', pool: withinPool, ways: Math.min(5, testRelations.length - 1) },
].flatMap(({ noneFrom, pool, ways: n }) =>
  noneRates.includes(0.5)
    ? [0, 1, 5, 10].map((shots, i) => {
        const drawn = drawEpisodes(pool, { ways: n, shots, queries: 3, noneRate: 0.5 }, episodes, seed * 7919 + 600 + i + (pool === withinPool ? 10 : 0));
        const free: ExampleRule = { ...forFewrel.rule, shotPenalty: 0, nameOnlyShotPenalty: 0, shotPenaltyBase: 0, nameOnlyShotPenaltyBase: 0, noneRelief: 0 };
        const method: ScoringMethod = shots === 0 ? 'description' : 'adapted';
        return { noneFrom, ways: n, shots, noneRate: 0.5, episodes, withPenalty: scoreEpisodes(drawn, method, forFewrel.rule, fusion), without: scoreEpisodes(drawn, method, free, fusion) };
      })
    : [],
);
for (const row of penaltyEffect) {
  const line = (s: { accuracy: number; precision: number; recall: number }) => `accuracy ${(100 * s.accuracy).toFixed(1)} precision ${(100 * s.precision).toFixed(1)} recall ${(100 * s.recall).toFixed(1)}`;
  console.log(`shot penalty, ${row.ways}-way ${row.shots}-shot, half none from ${row.noneFrom}: with ${line(row.withPenalty)}; without ${line(row.without)}`);
}
for (const row of directionEffect ?? []) {
  const line = (s: { accuracy: number; precision: number; recall: number }) => `accuracy ${(100 * s.accuracy).toFixed(1)} precision ${(100 * s.precision).toFixed(1)} recall ${(100 * s.recall).toFixed(1)}`;
  console.log(`common direction, 5-way ${row.shots}-shot none ${row.noneRate}: with ${line(row.withDirection)}; without ${line(row.without)}`);
}
for (const row of [...fewrelRows, ...chemRows]) {
  console.log(`${row.ways}-way ${row.shots}-shot none ${row.noneRate}${'noneShots' in row && row.noneShots ? ` with ${row.noneShots} none examples` : ''}${'opaqueNames' in row && row.opaqueNames ? ' (opaque names)' : ''}: ` + Object.entries(row.scores).map(([m, s]) => `${m} ${(100 * s.accuracy).toFixed(1)}`).join(', '));
}

// ---- the rule a user of this model gets: fitted on relations it never trained on only: the FewRel
// ones above, and ChemProt train for a split model (the shipped model trained on ChemProt).
let written: ExampleRule | null = null;
const writeSources = splitName === undefined ? [`FewRel ${fewrelFitSource.relations.join(', ')}`] : fitSourceNames(ruleSources);
if (flags.values['write-rule']) {
  const both = fitRule(splitName === undefined ? fitEpisodes(fewrelFitSource, 31) : splitFitEpisodes({ eval: 31, docred: 47, chemprot: 37 }, ruleSources), fusion, base);
  written = both.rule;
  const manifestPath = join(modelDir, 'manifest.json');
  const raw = JSON.parse(readFileSync(manifestPath, 'utf8')) as { fusion: Record<string, unknown> };
  raw.fusion.examples = {
    ...both.rule,
    fittedOn: {
      sources: writeSources,
      // bench:fewshot-sets leaves these out of its DocRED set when it measures this rule.
      ...(docredFit === null ? {} : { docredRelations: docredFit.relations }),
      ways: splitName === undefined ? fitWays(fewrelFitSource) : 'per source, as sources say',
      halfWithOpaqueNames: true,
      shots: [1, 2, 5, 10],
      noneRate: 0.5,
      noneExamples: 'noneRelief on 50 described episodes at each of K = 1, 5, 10 with K "no relation" examples',
      // The best of each grid and the relief's losses; the full grids are in the benchmark's result.
      best: both.best,
      noneReliefLosses: both.losses.noneRelief,
      commonDirection:
        direction === null
          ? null
          : { source: 'mean bi-encoder vector of Re-DocRED dev sentence pairs (both orders), calibration part of bench:documents (seed 21, 200 documents), its first 100 documents', pairs: direction.pairs },
      script: 'benchmarks/fewshot.ts --write-rule',
      seed,
    },
  };
  writeFileSync(manifestPath, `${JSON.stringify(raw, null, 2)}\n`);
  const report = await sealModelDirectory(modelDir, { reseal: true });
  console.log(`wrote fusion.examples ${JSON.stringify(shown(both.rule))} into ${repoPath(manifestPath)} (${report.outcome}, manifestSha256 ${report.manifestSha256})`);
}

// ---- the cross-encoder with examples: does its stage help once examples are there?
const crossWithExamples = await measureCrossEncoder();
if (crossWithExamples !== null) console.log(`cross-encoder with examples: ${JSON.stringify(crossWithExamples.rows)}`);

// ---- the public API gives the same answers as the vector path (5-way 5-shot, closed set)
const agreement = await checkThroughApi(20);
console.log(`public API agreement: ${agreement.same}/${agreement.queries} top-1 equal`);

const result = {
  benchmark: 'fewshot',
  model: { directory: repoPath(modelDir), name: manifest.name, manifestRule: written !== null ? shown(written) : manifest.fusion.examples === undefined ? null : shown(manifest.fusion.examples), ruleWritten: written !== null },
  protocol: {
    fewrel: {
      relations: testRelations,
      split: splitName ?? null,
      why: splitName === undefined ? 'the model recipe never trains on its calibration relations' : `the test relations of ${splitName}, which its model never trained on`,
      sentencesPerRelation: perRelation,
      noneOfTheAbove: fusion.threshold < 1 ? `10 sentences of each of ${others.length} other FewRel relations` : `not run: the model's bi-only threshold is ${fusion.threshold}, it never answers without the cross-encoder`,
      ruleFittedOn: splitName === undefined ? 'the first half of each of these relations\' sentences (the rows are drawn from the other half; the model never trained on other FewRel relations that it was not also measured on)' : fitSourceNames(ruleSources).join(' + '),
      ruleSources: splitName === undefined ? null : ruleSources,
    },
    chemprot: {
      relations: chemRelationIds,
      supports: 'train.txt (up to 300 per label)',
      queries: 'test.txt (up to 300 per label)',
      ruleFittedOn: splitName === undefined ? `FewRel ${fewrelFitSource.relations.join(', ')} (${fitWays(fewrelFitSource)}-way episodes)` : fitSourceNames(chemprotRowSources).join(' + '),
      zeroShot: splitName !== undefined,
      note: splitName !== undefined ? 'the split model never saw ChemProt: every ChemProt row is on never-trained relations' : 'the shipped model trained on ChemProt train sentences: its descriptions there are not zero-shot',
    },
    episodes,
    seed,
    accuracy: 'mean over episodes of top-1 accuracy (closed set: argmax; with none-of-the-above: the fused decision at the model threshold, none counts as an answer); interval95 = 1.96 x std over episodes / sqrt(episodes)',
  },
  rules: { forFewrel: { ...forFewrel, rule: shown(forFewrel.rule) }, forChemprot: { ...forChemprot, rule: shown(forChemprot.rule) } },
  commonDirection: direction === null ? null : { numbers: direction.vector.length, pairs: direction.pairs, documents: direction.documents, effect: directionEffect },
  shotPenalty: {
    rule: { described: forFewrel.rule.shotPenalty ?? 0, nameOnly: forFewrel.rule.nameOnlyShotPenalty ?? 0, describedBase: forFewrel.rule.shotPenaltyBase ?? 0, nameOnlyBase: forFewrel.rule.nameOnlyShotPenaltyBase ?? 0 },
    effect: penaltyEffect,
  },
  fewrel: fewrelRows,
  chemprot: chemRows,
  crossWithExamples,
  apiAgreement: agreement,
  settings: { precision: 'int8', threads: 2, fusion: 'bi-only (the library skips the cross-encoder for sentences whose candidates carry examples)', encodeSeconds: Math.round(encodedSeconds), totalSeconds: Math.round((performance.now() - started) / 1000) },
  environment,
};
console.log(`wrote ${writeResult(`fewshot_${splitName ?? manifest.name}`, result, join(resultsDir, 'fewshot'))}`);

/**
 * The library skips the cross-encoder for sentences whose candidates include a relation taught by
 * examples. Is anything lost? On the FewRel relations above, the first 100 sentences of each are
 * the queries (examples come from the others): each is scored by the cross-encoder against every
 * relation's description through the public API (rerank 'always', topK = every relation), then
 * closed-set episodes compare the bi-only adapted score with the model's full fusion of that score
 * and the cross-encoder's (biWeight x bi + crossWeight x cross). Null for a model without a cross-encoder.
 */
async function measureCrossEncoder(): Promise<{ queriesPerRelation: number; fusion: string; rows: unknown[] } | null> {
  if (manifest.graphs.crossEncoder === undefined) return null;
  const perRelationQueries = 100;
  const extractor = await createExtractor({ model: modelDir, relations: test.list, rerank: 'always', topK: test.list.length, recallK: test.list.length, cacheDir: mkdtempSync(join(tmpdir(), 'zsre-fewshot-cross-')) });
  const crossOf = new Map<Float32Array, Map<string, number>>();
  const query = new Map<string, Float32Array[]>();
  const support = new Map<string, Float32Array[]>();
  for (const relation of test.list) {
    const items = test.gold.filter((item) => item.gold === relation.id).slice(0, perRelationQueries);
    const vectors = test.pool.support.get(relation.id) as Float32Array[];
    const results = await extractor.extractBatch(items.map(({ tokens, head, tail }) => ({ tokens, head, tail })));
    results.forEach((result, row) => crossOf.set(vectors[row] as Float32Array, new Map(result.candidates.map((candidate) => [candidate.id, candidate.crossScore ?? Number.NaN]))));
    query.set(relation.id, vectors.slice(0, items.length));
    support.set(relation.id, vectors.slice(items.length));
  }
  await extractor.dispose();
  const pool: VectorPool = { ...test.pool, support, query };
  const full = manifest.fusion;
  const rows = [0, 1, 5].map((shots, i) => {
    const drawn = drawEpisodes(pool, { ways: 5, shots, queries: 3, noneRate: 0 }, episodes, seed * 7919 + 400 + i);
    const accuracy = (withCross: boolean) => {
      let right = 0;
      let total = 0;
      for (const episode of drawn) {
        episodeScores(episode, 'adapted', forFewrel.rule, fusion).forEach((scores, q) => {
          const { vector, gold } = episode.queries[q] as { vector: Float32Array; gold: number };
          const cross = crossOf.get(vector) as Map<string, number>;
          const fused = scores.map((score, j) => (withCross ? full.biWeight * score + full.crossWeight * (cross.get(episode.relations[j] as string) as number) : score));
          right += fused.indexOf(Math.max(...fused)) === gold ? 1 : 0;
          total += 1;
        });
      }
      return right / total;
    };
    return { ways: 5, shots, episodes, biOnly: accuracy(false), withCrossEncoder: accuracy(true) };
  });
  return { queriesPerRelation: perRelationQueries, fusion: `bi-only: adapted score; with the cross-encoder: ${full.biWeight.toFixed(2)} x adapted score + ${full.crossWeight.toFixed(3)} x cross score (the model's full fusion), closed set`, rows };
}

function chemprotRelationList(): BenchRelation[] {
  const descriptions = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'training', 'data', 'relation_descriptions.json'), 'utf8')) as Record<string, { name: string; description: string }>;
  return Object.entries(descriptions)
    .filter(([id]) => id.startsWith('chemprot:'))
    .map(([id, { name, description }]) => ({ id, name, description }));
}

/**
 * Runs `count` 5-way 5-shot episodes through createExtractor (relations with examples, library
 * defaults, the model's own rule) and through the vector path, and counts equal top-1s.
 */
async function checkThroughApi(count: number): Promise<{ episodes: number; queries: number; same: number }> {
  const apiCacheDir = mkdtempSync(join(tmpdir(), 'zsre-fewshot-'));
  const rule = written ?? manifest.fusion.examples ?? unfittedExampleRule;
  const random = seededRandom(seed + 99);
  const inputs = test.gold.map(({ tokens, head, tail }): ExtractItem => ({ tokens, head, tail }));
  const inputsBy = byRelation(test.gold.map((item) => item.gold), inputs);
  let queries = 0;
  let same = 0;
  for (let episode = 0; episode < count; episode += 1) {
    // 5 relations; per relation 5 examples and 1 query, distinct sentences.
    const offset = Math.floor(random() * test.list.length);
    const relations = Array.from({ length: Math.min(5, test.list.length) }, (_, i) => test.list[(offset + i) % test.list.length] as BenchRelation);
    const picks = relations.map((relation) => {
      const positions = Array.from({ length: (inputsBy.get(relation.id) as ExtractItem[]).length }, (_, i) => i);
      for (let i = positions.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [positions[i], positions[j]] = [positions[j] as number, positions[i] as number];
      }
      return positions.slice(0, 6);
    });
    const itemAt = (j: number, at: number) => (inputsBy.get(relations[j]!.id) as ExtractItem[])[at] as ExtractItem;
    const vectorAt = (j: number, at: number) => (test.pool.support.get(relations[j]!.id) as Float32Array[])[at] as Float32Array;
    const extractor = await createExtractor({
      model: modelDir,
      relations: relations.map((relation, j) => ({ ...relation, examples: picks[j]!.slice(0, 5).map((at) => itemAt(j, at)) })),
      cacheDir: apiCacheDir,
    });
    const results = await extractor.extractBatch(picks.map((positions, j) => itemAt(j, positions[5] as number)));
    await extractor.dispose();
    const drawn: Episode = {
      shots: 5,
      descriptions: relations.map((relation) => test.pool.description.get(relation.id) as Float32Array),
      supports: picks.map((positions, j) => positions.slice(0, 5).map((at) => vectorAt(j, at))),
      noneSupports: [],
      described: true,
      relations: relations.map((relation) => relation.id),
      queries: picks.map((positions, j) => ({ vector: vectorAt(j, positions[5] as number), gold: j })),
    };
    episodeScores(drawn, 'adapted', rule, fusion).forEach((scores, row) => {
      const expected = scores.reduce((best, score, j) => (score > (scores[best] as number) ? j : best), 0);
      queries += 1;
      same += results[row]?.candidates[0]?.id === relations[expected]?.id ? 1 : 0;
    });
  }
  return { episodes: count, queries, same };
}
