/**
 * "No relation" on real text (issue 21): Re-DocRED dev documents, every ordered pair of entities
 * that share a sentence (and, reported apart, pairs across sentences within a window), the 96
 * DocRED relations as candidates, through the public API (createExtractor, extractBatch).
 *
 *   npm run bench:documents -- [--data-dir ../shared/data] [--model DIR] [--seed 21]
 *     [--calibration-size 200] [--calibration-docs N] [--max-docs N] [--window 1] [--window-docs N]
 *     [--precision-target 0.7] [--threads 2] [--scores-dir DIR] [--calibration NAME | --calibration-file FILE]
 *     [--types] [--relations docred|wikidata|wikidata-no-ids]
 *
 * The 500 dev documents are shuffled by --seed and cut by document: the first --calibration-size
 * form the calibration part (abstention fitted there only), the rest the measuring part (every
 * figure reported). --calibration-docs / --max-docs use the first N documents of each part (the
 * CPU budget); --window-docs the first N measuring documents for the window pairs. Pair rules and
 * gold: benchmarks/lib/redocred.ts; metrics: benchmarks/lib/abstention.ts.
 *
 * Scores are kept per document in --scores-dir (default .zsre-cache/bench-documents/<model>):
 * an interrupted run picks up where it stopped. The result goes to
 * benchmarks/results/documents_<model>.json; `npm run bench:report` builds the table and chart.
 * --calibration NAME runs the extractor with that named "no relation" calibration of the model
 * (manifest fusion.calibrations, fitted by training/fit_none_vector.py on the first calibration
 * documents only): its threshold is the default one, and the result goes to
 * documents_<model>_<NAME>.json.
 * --calibration-file FILE runs it with a calibration fitted on labelled pairs (fitCalibration,
 * `npm run bench:fit-calibration`, which fits on the calibration part's first documents): a trial of
 * that feature, written to benchmarks/results/none-vector/documents_<model>_file-<FILE>.json.
 * --types runs the library's entity-type constraints (relations/types.ts): each relation declares
 * as headTypes / tailTypes the types its head and tail have among the labels of the calibration
 * documents (Re-DocRED's PER, ORG, LOC, TIME, NUM, MISC; a relation never labelled there declares
 * none), and every pair passes its two gold mention types; the result goes to
 * documents_<model>[_<NAME>]_types.json.
 * --relations wikidata makes every relation of the built-in set (11,665) a candidate, as a
 * knowledge-graph pipeline with Wikidata relations runs the library (wikidata-no-ids: the built-in
 * set without identifier properties, 3,400); Re-DocRED labels only its 96, so answers outside
 * them are left out of the scores (the pipeline keeping those 96) and counted apart; the result
 * goes to documents_<model>[_<NAME>][_types]_<SET>.json.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { calibrationFileSchema, createExtractor, loadRelations, type ExtractResult } from 'zsre';
import { extractDocument, findEntities } from 'zsre/kg';
import {
  bestF1,
  curve,
  fitLogistic,
  logisticScore,
  onlyAmong,
  operatingPoint,
  probabilityScore,
  round,
  thinCurve,
  thresholdForPrecision,
  type Operating,
  type Score,
  type ScoredPair,
} from './lib/abstention.js';
import { parseFlags } from './lib/args.js';
import { repoPath, repoRoot, runEnvironment, writeResult } from './lib/environment.js';
import { documentPairs, splitDocuments, type DocumentPair, type PairCounts, type RedocredDocument } from './lib/redocred.js';

const usage = `Usage: npm run bench:documents -- [--data-dir DIR] [--model DIR] [--seed N] [--calibration-size N]
  [--calibration-docs N] [--max-docs N] [--window N] [--window-docs N] [--precision-target X] [--threads N] [--scores-dir DIR] [--calibration NAME | --calibration-file FILE]
  [--types] [--relations docred|wikidata|wikidata-no-ids]`;
const flags = parseFlags(usage, {
  'data-dir': { type: 'string' },
  model: { type: 'string' },
  seed: { type: 'string' },
  'calibration-size': { type: 'string' },
  'calibration-docs': { type: 'string' },
  'max-docs': { type: 'string' },
  window: { type: 'string' },
  'window-docs': { type: 'string' },
  'precision-target': { type: 'string' },
  threads: { type: 'string' },
  'scores-dir': { type: 'string' },
  calibration: { type: 'string' },
  'calibration-file': { type: 'string' },
  types: { type: 'boolean', default: false },
  relations: { type: 'string', default: 'docred' },
});
const useTypes = flags.values.types === true;
const relationSet = flags.values.relations;
if (relationSet !== 'docred' && relationSet !== 'wikidata' && relationSet !== 'wikidata-no-ids') {
  flags.fail(`--relations must be docred (the 96 DocRED relations), wikidata or wikidata-no-ids (built-in sets), received "${relationSet}"`);
}
const wikidataSet = relationSet !== 'docred';
const calibrationName = flags.values.calibration;
// A calibration fitted on labelled pairs (fitCalibration; `npm run bench:fit-calibration`): its
// runs are trials of that feature, written beside the other none-vector trials, not in the table.
const calibrationFilePath = flags.values['calibration-file'] === undefined ? undefined : resolve(flags.values['calibration-file']);
if (calibrationName !== undefined && calibrationFilePath !== undefined) flags.fail('pass --calibration NAME or --calibration-file FILE, not both');
const calibrationFile = calibrationFilePath === undefined ? undefined : calibrationFileSchema.parse(JSON.parse(readFileSync(calibrationFilePath, 'utf8')));
const dataDir = resolve(flags.values['data-dir'] ?? join(repoRoot, '..', 'shared', 'data'));
const model = resolve(flags.values.model ?? join(repoRoot, 'models', 'zsre-minilm-l6-general'));
const seed = flags.positiveInteger('seed', 21);
const calibrationSize = flags.positiveInteger('calibration-size', 200);
const threads = flags.positiveInteger('threads', 2);
const windowRaw = flags.values.window ?? '1';
const window = Number(windowRaw);
if (!Number.isInteger(window) || window < 0) flags.fail(`--window must be a whole number of sentences (0: no window pairs), received "${windowRaw}"`);
const targetRaw = flags.values['precision-target'] ?? '0.7';
const precisionTarget = Number(targetRaw);
if (!(precisionTarget > 0 && precisionTarget < 1)) flags.fail(`--precision-target must be a number between 0 and 1, received "${targetRaw}"`);

const documentsFile = join(dataDir, 'extra', 'redocred', 'dev_revised.json');
const rel2idFile = join(dataDir, 'extra', 'redocred', 'rel2id.json');
if (!existsSync(documentsFile)) flags.fail(`no Re-DocRED dev file at ${documentsFile}: pass --data-dir (the folder holding extra/redocred/)`);
const documents = JSON.parse(readFileSync(documentsFile, 'utf8')) as RedocredDocument[];
if (calibrationSize >= documents.length) flags.fail(`--calibration-size must leave documents to measure on (${documents.length} in all)`);
const split = splitDocuments(documents.length, seed, calibrationSize);
const calibrationDocs = split.calibration.slice(0, flags.positiveInteger('calibration-docs', split.calibration.length));
const measuringDocs = split.measuring.slice(0, flags.positiveInteger('max-docs', split.measuring.length));
const windowDocs = window === 0 ? [] : measuringDocs.slice(0, flags.positiveInteger('window-docs', measuringDocs.length));

// Candidates: the 96 DocRED relations, with Wikidata's names and descriptions (the built-in set).
const pids = Object.keys(JSON.parse(readFileSync(rel2idFile, 'utf8')) as Record<string, number>).filter((id) => id !== 'Na').sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const wikidata = new Map((await loadRelations('wikidata')).map((relation) => [relation.id, relation]));
const missing = pids.filter((id) => !wikidata.has(id));
if (missing.length > 0) throw new Error(`relations missing from the built-in wikidata set: ${missing.join(', ')}`);
const declaredTypes = useTypes ? labelledTypes(split.calibration) : new Map<string, { head: Set<string>; tail: Set<string> }>();
// --relations wikidata: every relation of the built-in set is a candidate, as a knowledge-graph
// pipeline with Wikidata relations runs it; Re-DocRED can judge only answers among its 96.
const schema = new Set(pids);
const relations = (wikidataSet ? (await loadRelations(relationSet)).map((relation) => relation.id) : pids).map((id) => {
  const relation = wikidata.get(id) as NonNullable<ReturnType<typeof wikidata.get>>;
  const types = declaredTypes.get(id);
  return types === undefined ? relation : { ...relation, headTypes: [...types.head].sort(), tailTypes: [...types.tail].sort() };
});

/** Per relation, the mention types of its heads and of its tails among the labels of `docs` (labels only, no model run). */
function labelledTypes(docs: readonly number[]): Map<string, { head: Set<string>; tail: Set<string> }> {
  const found = new Map<string, { head: Set<string>; tail: Set<string> }>();
  for (const doc of docs) {
    const document = documents[doc] as RedocredDocument;
    for (const label of document.labels) {
      const entry = found.get(label.r) ?? { head: new Set<string>(), tail: new Set<string>() };
      for (const mention of document.vertexSet[label.h] ?? []) entry.head.add(mention.type);
      for (const mention of document.vertexSet[label.t] ?? []) entry.tail.add(mention.type);
      found.set(label.r, entry);
    }
  }
  return found;
}

const extractor = await createExtractor({ model, relations, threads, cacheDir: join(repoRoot, '.zsre-cache'), ...(calibrationName === undefined ? {} : { calibration: calibrationName }), ...(calibrationFile === undefined ? {} : { calibration: calibrationFile }) });
interface CalibrationBlock { threshold: number; relationBiases?: Record<string, number>; fittedOn?: { documents?: { calibrationDocuments: number; pairs: number }; documentPrecision?: number } }
const manifest = extractor.model.manifest as { manifestSha256?: string; fusion: { threshold: number; topK: number; calibrations?: Record<string, CalibrationBlock> } };
const calibrationBlock = calibrationName === undefined ? undefined : manifest.fusion.calibrations?.[calibrationName];
// The threshold the extractor answers at: the calibration's when one is named.
const defaultThreshold = calibrationFile?.threshold ?? calibrationBlock?.threshold ?? manifest.fusion.threshold;
const modelName = basename(model);
const calibrationLabel = calibrationFilePath === undefined ? calibrationName : `file-${basename(calibrationFilePath, '.json')}`;
const runName = `${calibrationLabel === undefined ? modelName : `${modelName}_${calibrationLabel}`}${useTypes ? '_types' : ''}${wikidataSet ? `_${relationSet}` : ''}`;
const scoresDir = resolve(flags.values['scores-dir'] ?? join(repoRoot, '.zsre-cache', 'bench-documents', `${runName}-${(manifest.manifestSha256 ?? 'unsealed').slice(0, 12)}`));
mkdirSync(scoresDir, { recursive: true });

interface PairScore extends ScoredPair {
  doc: number;
  /** Re-DocRED's entity types of the two mentions (PER, ORG, LOC, TIME, NUM, MISC). */
  headType?: string;
  tailType?: string;
  kind: DocumentPair['kind'];
  head: number;
  tail: number;
  sentences: [number, number];
  reranked: boolean;
}

const toScore = (doc: number, pair: DocumentPair, result: ExtractResult): PairScore => {
  const [first, second] = result.candidates;
  const p1 = first?.probability ?? 0;
  const p2 = second?.probability ?? 0;
  const none = 1 - result.candidates.reduce((sum, candidate) => sum + candidate.probability, 0);
  return {
    doc, kind: pair.kind, head: pair.head, tail: pair.tail, headType: pair.headType, tailType: pair.tailType, sentences: pair.sentences, gold: pair.gold, facts: pair.facts,
    top1: first?.id ?? '', p1: round(p1, 6), p2: round(p2, 6), none: round(none, 6), bi1: round(first?.biScore ?? 0, 6), bi2: round(second?.biScore ?? 0, 6), reranked: result.reranked,
  };
};

/** Scores the pairs of each document once; a document already in the scores file is not run again. */
async function scorePart(name: string, docs: readonly number[], kind: DocumentPair['kind']): Promise<{ scores: PairScore[]; overlapping: number; seconds: number }> {
  const file = join(scoresDir, `${name}-${kind}-w${window}.jsonl`);
  const done = new Map<number, PairScore[]>();
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const entry = JSON.parse(line) as { doc: number; pairs: PairScore[] };
      done.set(entry.doc, entry.pairs);
    }
  }
  const counts: PairCounts = { overlapping: 0 };
  let seconds = 0;
  for (const [position, doc] of docs.entries()) {
    const pairs = documentPairs(documents[doc] as RedocredDocument, kind === 'window' ? window : 0, counts).filter((pair) => pair.kind === kind);
    const cached = done.get(doc);
    if (cached !== undefined) {
      if (cached.length !== pairs.length) throw new Error(`${file} holds ${cached.length} pairs for document ${doc}, the data gives ${pairs.length}: delete the file and run again`);
      cached.forEach((score, index) => Object.assign(score, { headType: pairs[index]?.headType, tailType: pairs[index]?.tailType }));
      continue;
    }
    const started = performance.now();
    const results =
      pairs.length === 0
        ? []
        : await extractor.extractBatch(
            pairs.map((pair) =>
              useTypes
                ? { text: pair.text, head: { ...pair.headSpan, type: pair.headType }, tail: { ...pair.tailSpan, type: pair.tailType } }
                : { text: pair.text, head: pair.headSpan, tail: pair.tailSpan },
            ),
          );
    seconds += (performance.now() - started) / 1000;
    const scored = pairs.map((pair, index) => toScore(doc, pair, results[index] as ExtractResult));
    appendFileSync(file, `${JSON.stringify({ doc, pairs: scored })}\n`);
    done.set(doc, scored);
    process.stderr.write(`${name} ${kind}: document ${position + 1}/${docs.length}, ${pairs.length} pairs, ${seconds.toFixed(0)} s this run\n`);
  }
  return { scores: docs.flatMap((doc) => done.get(doc) ?? []), overlapping: counts.overlapping, seconds };
}

const runStarted = performance.now();
const cpuStarted = process.cpuUsage();
const calibration = await scorePart('calibration', calibrationDocs, 'sentence');
const measuring = await scorePart('measuring', measuringDocs, 'sentence');
const windowPart = window === 0 ? null : await scorePart('measuring', windowDocs, 'window');
// The issue's paragraph through extractDocument (entities found by the rule-based finder), every
// pair at any distance (the old default) and by sentence (the new one): its triples at a threshold
// are the results whose top-1 probability reaches it.
const paragraph =
  'Marie Curie was born in Warsaw in 1867. She studied at the University of Paris, where she met Pierre Curie, whom she married in 1895. ' +
  'Their daughter Irène Joliot-Curie also won the Nobel Prize in Chemistry.';
// With --types the finder's kinds are named as Re-DocRED names them, the types the relations declare.
const redocredType = { person: 'PER', place: 'LOC', organization: 'ORG' } as const;
const paragraphEntities = useTypes ? findEntities(paragraph).map(({ start, end, kind }) => ({ start, end, type: redocredType[kind] })) : undefined;
const paragraphRuns = await Promise.all(
  (['all', 'sentence'] as const).map(async (pairs) => ({
    pairs,
    document: await extractDocument(extractor, { text: paragraph, pairs, ...(paragraphEntities === undefined ? {} : { entities: paragraphEntities }) }),
  })),
);
await extractor.dispose();
const cpu = process.cpuUsage(cpuStarted);

// With --relations wikidata an answer outside the 96 DocRED relations cannot be judged against
// Re-DocRED's labels: it is left out of the answers (as if the pipeline kept only those 96) and
// counted apart (outsideSchema below); a related pair answered so counts as missed.
const judged = (score: Score): Score => (wikidataSet ? onlyAmong(schema, score) : score);
const answerProbability = judged(probabilityScore);

// Abstention fitted on the calibration part only.
const fittedThreshold = thresholdForPrecision(calibration.scores, answerProbability, precisionTarget);
const calibrationBest = bestF1(calibration.scores, answerProbability);
const logistic = fitLogistic(calibration.scores);
const logisticScored: Score = judged(logisticScore(logistic));
const logisticThreshold = thresholdForPrecision(calibration.scores, logisticScored, precisionTarget);
const logisticBest = bestF1(calibration.scores, logisticScored);

// Entity types, as a relation set that declares them would give: the (relation, head type, tail
// type) combinations of the labels of every calibration document (labels only, no model run). A
// pair whose top-1 relation does not allow its two types gets no answer.
const allowedTypes = new Set<string>();
for (const doc of split.calibration) {
  const document = documents[doc] as RedocredDocument;
  for (const label of document.labels) {
    for (const head of new Set(document.vertexSet[label.h]?.map((m) => m.type))) {
      for (const tail of new Set(document.vertexSet[label.t]?.map((m) => m.type))) allowedTypes.add(`${label.r}:${head}:${tail}`);
    }
  }
}
const typed = (score: Score): Score => (pair) => {
  const { headType, tailType } = pair as PairScore;
  return allowedTypes.has(`${pair.top1}:${headType}:${tailType}`) ? score(pair) : -1;
};
const typedProbability = typed(answerProbability);
const typedBest = bestF1(calibration.scores, typedProbability);
const typedThreshold = thresholdForPrecision(calibration.scores, typedProbability, precisionTarget);
const precisionLadder = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const ladderThresholds = precisionLadder.map((target) => ({ target, fitted: thresholdForPrecision(calibration.scores, answerProbability, target) }));

const brief = (point: Operating | null): Record<string, number> | null =>
  point === null ? null : { threshold: round(point.threshold), answered: point.answered, right: point.right, precision: round(point.precision), recall: round(point.recall), f1: round(point.f1), factPrecision: round(point.factPrecision) };

/** Every figure of one set of pairs, at the thresholds chosen on the calibration part. */
function report(scores: readonly PairScore[]): Record<string, unknown> {
  const related = scores.filter((pair) => pair.gold.length > 0);
  const top1Right = related.filter((pair) => pair.gold.includes(pair.top1)).length;
  return {
    documents: new Set(scores.map((pair) => pair.doc)).size,
    pairs: scores.length,
    related: related.length,
    relatedShare: round(related.length / Math.max(scores.length, 1)),
    top1RightAmongRelated: round(top1Right / Math.max(related.length, 1)),
    rerankedShare: round(scores.filter((pair) => pair.reranked).length / Math.max(scores.length, 1)),
    probability: {
      atDefaultThreshold: brief(operatingPoint(scores, answerProbability, defaultThreshold)),
      atCalibratedThreshold: fittedThreshold === null ? null : brief(operatingPoint(scores, answerProbability, fittedThreshold.threshold)),
      atCalibrationBestF1Threshold: brief(operatingPoint(scores, answerProbability, calibrationBest.threshold)),
      bestF1Here: brief(bestF1(scores, answerProbability)),
      curve: thinCurve(curve(scores, answerProbability)).map(brief),
    },
    byPrecisionTarget: ladderThresholds.map(({ target, fitted }) => ({ target, fittedOnCalibration: brief(fitted), here: fitted === null ? null : brief(operatingPoint(scores, answerProbability, fitted.threshold)) })),
    typeFilter: {
      atDefaultThreshold: brief(operatingPoint(scores, typedProbability, defaultThreshold)),
      atCalibratedThreshold: typedThreshold === null ? null : brief(operatingPoint(scores, typedProbability, typedThreshold.threshold)),
      atCalibrationBestF1Threshold: brief(operatingPoint(scores, typedProbability, typedBest.threshold)),
    },
    outsideSchema: wikidataSet ? outsideSchema(scores) : null,
    logistic: {
      atCalibratedThreshold: logisticThreshold === null ? null : brief(operatingPoint(scores, logisticScored, logisticThreshold.threshold)),
      atCalibrationBestF1Threshold: brief(operatingPoint(scores, logisticScored, logisticBest.threshold)),
      bestF1Here: brief(bestF1(scores, logisticScored)),
      curve: thinCurve(curve(scores, logisticScored)).map(brief),
    },
  };
}

/** --relations wikidata: the answers (top-1 at the default threshold) Re-DocRED cannot judge, outside its 96 relations. */
function outsideSchema(scores: readonly PairScore[]): Record<string, unknown> {
  const answered = scores.filter((pair) => pair.p1 >= defaultThreshold);
  const outside = answered.filter((pair) => !schema.has(pair.top1));
  const counts = new Map<string, number>();
  for (const pair of outside) counts.set(pair.top1, (counts.get(pair.top1) ?? 0) + 1);
  const related = scores.filter((pair) => pair.gold.length > 0);
  return {
    note: 'answers outside the 96 DocRED relations at the default threshold: not scored above (Re-DocRED labels only those 96); relatedPairs: of them, pairs Re-DocRED labels with one of its relations (often a near-synonym answered instead)',
    answersAtDefaultThreshold: answered.length,
    outsideAtDefaultThreshold: outside.length,
    relatedPairs: outside.filter((pair) => pair.gold.length > 0).length,
    relatedPairsWithTop1Outside: related.filter((pair) => !schema.has(pair.top1)).length,
    mostFrequent: [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 15)
      .map(([id, count]) => ({ id, name: wikidata.get(id)?.name ?? id, count })),
  };
}

const paragraphTriples = (threshold: number): Record<string, string[]> =>
  Object.fromEntries(
    paragraphRuns.map(({ pairs, document }) => [
      pairs,
      document.results.flatMap((result) => {
        const best = result.candidates[0];
        return best !== undefined && best.probability >= threshold ? [`${result.head.text} -[${best.name} ${best.probability.toFixed(2)}]-> ${result.tail.text}`] : [];
      }),
    ]),
  );

/** What the results need of the none vector fit in use (training/fit_none_vector.py): the named calibration's, or an older top-level one; null: none. */
function noneVectorSummary(manifestOfModel: unknown): { calibrationDocuments: number; pairs: number; documentPrecision: number; relationBiases: boolean } | null {
  const fit = calibrationBlock?.fittedOn ?? (manifestOfModel as { fusion: { noneVectorFit?: CalibrationBlock['fittedOn'] } }).fusion.noneVectorFit;
  const documentsFit = fit?.documents;
  return documentsFit === undefined || fit?.documentPrecision === undefined
    ? null
    : {
        calibrationDocuments: documentsFit.calibrationDocuments,
        pairs: documentsFit.pairs,
        documentPrecision: fit.documentPrecision,
        relationBiases: calibrationBlock?.relationBiases !== undefined,
      };
}

const environment = runEnvironment();
const result = {
  benchmark: 'documents',
  model: repoPath(model),
  modelManifestSha256: manifest.manifestSha256 ?? null,
  namedCalibration: calibrationName ?? null,
  ...(calibrationFilePath === undefined ? {} : { calibrationFile: { path: repoPath(calibrationFilePath), fittedOn: calibrationFile?.fittedOn } }),
  entityTypes: useTypes
    ? {
        rule: "the library's entity-type constraints (relations/types.ts): a relation is never a candidate for a pair whose gold mention types it does not declare",
        declaredFrom: `the labels of the ${split.calibration.length} calibration documents: per relation, the Re-DocRED types of its heads (headTypes) and tails (tailTypes); relations never labelled there declare none`,
        relationsDeclaring: declaredTypes.size,
        paragraph: 'entities from the rule-based finder, its person / place / organization named PER / LOC / ORG',
      }
    : null,
  data: { file: repoPath(documentsFile), documents: documents.length },
  settings: {
    seed,
    split: `the ${documents.length} dev documents shuffled by seed ${seed} (mulberry32, Fisher-Yates); the first ${calibrationSize} are the calibration part, the other ${documents.length - calibrationSize} the measuring part`,
    calibrationDocuments: calibrationDocs,
    measuringDocuments: measuringDocs,
    windowDocuments: windowDocs,
    window,
    candidates: wikidataSet
      ? `the ${relations.length} relations of the built-in ${relationSet} set; answers outside the ${schema.size} DocRED relations (rel2id.json without Na) are left out of the scores and counted in outsideSchema`
      : `${relations.length} DocRED relations (rel2id.json without Na), names and descriptions from the built-in wikidata set`,
    relationSet,
    relationCount: relations.length,
    precisionTarget,
    defaultThreshold: round(defaultThreshold, 6),
    precision: 'int8',
    threads,
    rerank: 'adaptive',
    topK: manifest.fusion.topK,
    pairs: 'sentence: every ordered pair of distinct entities with a mention in the same sentence (first mention there), text = that sentence; window: pairs that share no sentence, closest mentions at most `window` sentences apart, text = those sentences',
    gold: 'labels (h, t, r) whose evidence includes a sentence of the text, or that carry no evidence; factPrecision: any label (h, t, r) of the document',
    mentionsSkipped: { calibration: calibration.overlapping, measuring: measuring.overlapping, window: windowPart?.overlapping ?? 0 },
  },
  noneVector: noneVectorSummary(manifest),
  trainedRelations: 'The shipped model was trained on DocRED single-sentence pairs of these relation types (model card), so these rows are "relations it trained on", on documents it never saw (Re-DocRED dev). No model holding these relations out exists yet: the never-seen-relations row needs a holdout training run (GPU), not done.',
  calibration: {
    fittedOn: 'calibration part, sentence pairs',
    probabilityThreshold: brief(fittedThreshold),
    probabilityBestF1: brief(calibrationBest),
    logistic: { ...logistic, mean: logistic.mean.map((x) => round(x, 6)), std: logistic.std.map((x) => round(x, 6)), weights: logistic.weights.map((x) => round(x, 6)), bias: round(logistic.bias, 6) },
    logisticThreshold: brief(logisticThreshold),
    logisticBestF1: brief(logisticBest),
    typeFilter: {
      rule: 'answer only when the (top-1 relation, head type, tail type) combination occurs among the labels of the calibration documents (all of them, labels only); types are Re-DocRED\'s gold mention types, standing in for a relation set that declares types and an NER that gives them',
      combinations: allowedTypes.size,
      threshold: brief(typedThreshold),
      bestF1: brief(typedBest),
    },
    sentencePairs: report(calibration.scores),
  },
  measuring: {
    sentencePairs: report(measuring.scores),
    windowPairs: windowPart === null ? null : report(windowPart.scores),
  },
  paragraph: {
    text: paragraph,
    entities: paragraphRuns[0]?.document.entities.map((entity) => entity.text),
    pairsClassified: Object.fromEntries(paragraphRuns.map(({ pairs, document }) => [pairs, document.results.length])),
    atDefaultThreshold: paragraphTriples(defaultThreshold),
    atCalibrationBestF1Threshold: { threshold: round(calibrationBest.threshold), triples: paragraphTriples(calibrationBest.threshold) },
  },
  time: {
    note: 'this run only (documents already scored in --scores-dir cost nothing); CPU = user + system of the process, all threads',
    wallSeconds: Math.round((performance.now() - runStarted) / 1000),
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e6),
    modelSeconds: { calibration: Math.round(calibration.seconds), measuring: Math.round(measuring.seconds), window: Math.round(windowPart?.seconds ?? 0) },
  },
  environment,
};
const out = writeResult(`documents_${runName}`, result, ...(calibrationFilePath === undefined ? [] : [join(repoRoot, 'benchmarks', 'results', 'none-vector')]));
const m = result.measuring.sentencePairs as { probability: { atDefaultThreshold: unknown; atCalibratedThreshold: unknown } };
console.log(JSON.stringify({ default: m.probability.atDefaultThreshold, calibrated: m.probability.atCalibratedThreshold }, null, 2));
console.log(`wrote ${repoPath(out)}`);
