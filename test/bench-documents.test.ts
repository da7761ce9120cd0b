import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidateSetsMarkdown, documentsChart, documentsMarkdown, type DocumentsResult } from '../benchmarks/lib/documentsReport.js';
import { bestF1, curve, fitLogistic, logisticScore, onlyAmong, operatingPoint, probabilityScore, thresholdForPrecision, type ScoredPair } from '../benchmarks/lib/abstention.js';
import { documentPairs, splitDocuments, type RedocredDocument } from '../benchmarks/lib/redocred.js';

// A hand-built Re-DocRED document: three sentences, four entities.
const document: RedocredDocument = {
  title: 'Ada',
  sents: [
    ['Ada', 'Lovelace', 'was', 'born', 'in', 'London', '.'],
    ['She', 'married', 'William', 'King', '.'],
    ['King', 'lived', 'in', 'Ockham', 'near', 'London', '.'],
  ],
  vertexSet: [
    [{ name: 'Ada Lovelace', pos: [0, 2], sent_id: 0, type: 'PER' }],
    [{ name: 'London', pos: [5, 6], sent_id: 0, type: 'LOC' }, { name: 'London', pos: [5, 6], sent_id: 2, type: 'LOC' }],
    [{ name: 'William King', pos: [2, 4], sent_id: 1, type: 'PER' }, { name: 'King', pos: [0, 1], sent_id: 2, type: 'PER' }],
    [{ name: 'Ockham', pos: [3, 4], sent_id: 2, type: 'LOC' }],
  ],
  labels: [
    { h: 0, t: 1, r: 'P19', evidence: [0] },
    { h: 0, t: 2, r: 'P26', evidence: [1] },
    { h: 2, t: 3, r: 'P551', evidence: [] },
    { h: 3, t: 1, r: 'P131', evidence: [1] },
  ],
};

describe('Re-DocRED pairs (benchmarks/lib/redocred.ts)', () => {
  it('pairs entities sharing a sentence, with gold from evidence in that sentence or no evidence', () => {
    const pairs = documentPairs(document, 0);
    const seen = pairs.map((pair) => `${pair.sentences[0]}:${pair.head}>${pair.tail}=${pair.gold.join(',')}`);
    expect(seen).toEqual(['0:0>1=P19', '0:1>0=', '2:1>2=', '2:1>3=', '2:2>1=', '2:2>3=P551', '2:3>1=', '2:3>2=']);
    // Ockham -> London is a fact of the document, but its evidence is sentence 1: not gold here.
    const ockham = pairs.find((pair) => pair.head === 3 && pair.tail === 1);
    expect(ockham?.gold).toEqual([]);
    expect(ockham?.facts).toEqual(['P131']);
    const first = pairs[0];
    expect(first && first.text.slice(first.headSpan.start, first.headSpan.end)).toBe('Ada Lovelace');
    expect(first && first.text.slice(first.tailSpan.start, first.tailSpan.end)).toBe('London');
  });

  it('window pairs: entities sharing no sentence, at most `window` sentences apart, reported apart', () => {
    const window = documentPairs(document, 1).filter((pair) => pair.kind === 'window');
    // Ada (sentence 0) and William King (sentences 1, 2): one apart. Ada and Ockham: two apart.
    expect(window.map((pair) => `${pair.head}>${pair.tail}=${pair.gold.join(',')}`)).toEqual(['0>2=P26', '2>0=']);
    const [married] = window;
    expect(married && married.text).toBe('Ada Lovelace was born in London . She married William King .');
    expect(documentPairs(document, 2).filter((pair) => pair.kind === 'window').map((pair) => `${pair.head}>${pair.tail}`)).toEqual(['0>2', '0>3', '2>0', '3>0']);
  });

  it('splits documents by a fixed seed into disjoint parts, the same every time', () => {
    const split = splitDocuments(50, 21, 20);
    expect(split.calibration).toHaveLength(20);
    expect(split.measuring).toHaveLength(30);
    expect(new Set([...split.calibration, ...split.measuring]).size).toBe(50);
    expect(splitDocuments(50, 21, 20)).toEqual(split);
    expect(splitDocuments(50, 22, 20)).not.toEqual(split);
  });
});

describe('abstention metrics (benchmarks/lib/abstention.ts)', () => {
  const pair = (p1: number, right: boolean, related = right): ScoredPair => ({ gold: related ? ['A'] : [], facts: related ? ['A'] : [], top1: right ? 'A' : 'B', p1, p2: 0, bi1: p1, bi2: 0, none: 1 - p1 });
  const pairs = [pair(0.9, true), pair(0.8, false), pair(0.7, true), pair(0.6, false), pair(0.5, false, true), pair(0.4, false)];

  it('counts precision over answers and recall over related pairs', () => {
    expect(operatingPoint(pairs, probabilityScore, 0.65)).toMatchObject({ answered: 3, right: 2, precision: 2 / 3, recall: 2 / 3 });
    expect(operatingPoint(pairs, probabilityScore, 0)).toMatchObject({ answered: 6, right: 2, precision: 2 / 6, recall: 2 / 3 });
    expect(operatingPoint(pairs, probabilityScore, 0.95)).toMatchObject({ answered: 0, precision: 0, recall: 0, f1: 0 });
  });

  it('walks every threshold for the curve, the best F1 and the threshold for a precision target', () => {
    expect(curve(pairs, probabilityScore).map((point) => point.answered)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(bestF1(pairs, probabilityScore).threshold).toBe(0.7);
    expect(thresholdForPrecision(pairs, probabilityScore, 0.6, 1)?.threshold).toBe(0.7);
    expect(thresholdForPrecision(pairs, probabilityScore, 0.99, 1)?.threshold).toBe(0.9);
    expect(thresholdForPrecision(pairs, probabilityScore, 0.99, 2)).toBeNull();
  });

  it('leaves answers outside the judged relations out: not answered, a related pair answered so is missed', () => {
    const judged = onlyAmong(new Set(['A']), probabilityScore);
    // The 0.8 answer is 'B' (outside): only the two 'A' answers at or above 0.65 remain, both right.
    expect(operatingPoint(pairs, judged, 0.65)).toMatchObject({ answered: 2, right: 2, precision: 1, recall: 2 / 3 });
    expect(judged(pair(0.99, false))).toBe(-1);
    expect(curve(pairs, judged).at(-1)).toMatchObject({ threshold: -1, answered: 6 });
  });

  it('fits a logistic score that ranks right answers above wrong ones on separable data', () => {
    const separable = [pair(0.9, true), pair(0.85, true), pair(0.3, false), pair(0.2, false)];
    const score = logisticScore(fitLogistic(separable));
    expect(score(separable[0] as ScoredPair)).toBeGreaterThan(score(separable[2] as ScoredPair));
  });
});

describe('documents report (benchmarks/lib/documentsReport.ts)', () => {
  const load = (name: string): DocumentsResult => JSON.parse(readFileSync(join('benchmarks', 'results', name), 'utf8')) as DocumentsResult;

  it('says when a run used entity types and leaves out the post-hoc type filter rows there', () => {
    const typed = documentsMarkdown(load('documents_zsre-minilm-l6-general_documents_types.json'), 'chart.svg').join('\n');
    const untyped = documentsMarkdown(load('documents_zsre-minilm-l6-general_documents.json'), 'chart.svg').join('\n');
    expect(typed).toContain("with `calibration: 'documents'` and entity types (`headTypes` / `tailTypes`)");
    expect(typed).toContain("Entity types: the library's constraints");
    expect(typed).not.toContain('| entity-type filter, default threshold |');
    expect(untyped).not.toContain('entity types (`headTypes`');
    expect(untyped).toContain('| entity-type filter, default threshold |');
  });

  it('says which built-in Wikidata set a run had as candidates and counts the answers Re-DocRED cannot judge', () => {
    const wikidata = load('documents_zsre-minilm-l6-general_wikidata.json');
    const text = documentsMarkdown(wikidata, 'chart.svg').join('\n');
    expect(text).toContain("Candidates: all 11,665 relations of the built-in wikidata set");
    const outside = wikidata.measuring.sentencePairs.outsideSchema;
    expect(outside?.outsideAtDefaultThreshold).toBeGreaterThan(0);
    expect(text).toContain(`Answers outside the 96 DocRED relations (measuring sentence pairs, default threshold; not in the table): ${outside?.outsideAtDefaultThreshold} of ${outside?.answersAtDefaultThreshold} answers`);
    expect(documentsMarkdown(load('documents_zsre-minilm-l6-general.json'), 'chart.svg').join('\n')).not.toContain('Answers outside the 96');
  });

  it("titles a Wikidata run's chart with its candidate set, on a line of its own, and the 96 relations' chart without one", () => {
    expect(documentsChart(load('documents_zsre-minilm-l6-general_wikidata-no-ids.json'))).toContain("candidates: the built-in 'wikidata-no-ids' set (3,400 relations)</text>");
    expect(documentsChart(load('documents_zsre-minilm-l6-general.json'))).not.toContain('candidates:');
  });

  it('sets the candidate sets side by side, the answers outside the 96 counted as wrong in the lower bound', () => {
    const own = load('documents_zsre-minilm-l6-general.json');
    const wikidata = load('documents_zsre-minilm-l6-general_wikidata.json');
    const rows = candidateSetsMarkdown([wikidata, own]).filter((line) => line.startsWith('| ') && !line.startsWith('| candidates'));
    expect(rows).toHaveLength(2);
    // The 96 first; a run with the 96 has nothing outside, so both precisions are the same.
    const point = own.measuring.sentencePairs.probability.atDefaultThreshold;
    const pct = (x: number) => (x * 100).toFixed(1);
    expect(rows[0]).toContain(`| the 96 DocRED relations | the model's own | ${point.threshold.toFixed(3)} | ${point.answered} | 0 | ${pct(point.precision)} | ${pct(point.precision)} |`);
    const w = wikidata.measuring.sentencePairs;
    const all = w.outsideSchema?.answersAtDefaultThreshold ?? 0;
    expect(rows[1]).toContain(`| \`'wikidata'\` (11,665) | the model's own | ${w.probability.atDefaultThreshold.threshold.toFixed(3)} | ${all} | ${w.outsideSchema?.outsideAtDefaultThreshold} | ${pct(w.probability.atDefaultThreshold.precision)} | ${pct(w.probability.atDefaultThreshold.right / all)} |`);
  });

  it('says when the thresholds fitted on calibration are read off documents the none vectors were fitted on', () => {
    const result = load('documents_zsre-minilm-l6-general_documents.json');
    const fitted = (documents: number) => documentsMarkdown({ ...result, noneVector: { calibrationDocuments: documents, pairs: 100, documentPrecision: 0.7 } }, 'chart.svg').join('\n');
    expect(fitted(200)).toContain('All 50 calibration documents the table\'s thresholds are fitted on are among those the vectors were fitted on');
    expect(fitted(20)).toContain('20 of the 50 calibration documents');
    expect(documentsMarkdown({ ...result, noneVector: null }, 'chart.svg').join('\n')).not.toContain('in-sample probabilities');
  });

  it('says when a run scored nothing itself (every pair from the cache of the same manifest) instead of "0 min"', () => {
    const result = load('documents_zsre-minilm-l6-general_documents.json');
    const scored = { ...result, time: { wallSeconds: 600, cpuSeconds: 480, modelSeconds: { calibration: 200, measuring: 300, window: 50 } } };
    const cached = { ...result, time: { wallSeconds: 3, cpuSeconds: 1, modelSeconds: { calibration: 0, measuring: 0, window: 0 } } };
    expect(documentsMarkdown(scored, 'chart.svg').join('\n')).toContain('10 min wall, 8 min CPU');
    const text = documentsMarkdown(cached, 'chart.svg').join('\n');
    expect(text).toContain("scores read from an earlier run's cache of the same manifest digest (this run 3 s)");
    expect(text).not.toContain('0 min wall');
  });
});
