/**
 * The document benchmark's table and precision-recall chart (benchmarks/documents.ts results),
 * for benchmarks/report.ts: the results README and the main README's documents section.
 */

import type { Operating } from './abstention.js';

/** One operating point of a result file: the shape lib/abstention.ts computes. */
export type Point = Operating;

interface Part {
  documents: number;
  pairs: number;
  related: number;
  relatedShare: number;
  top1RightAmongRelated: number;
  probability: { atDefaultThreshold: Point; atCalibratedThreshold: Point | null; atCalibrationBestF1Threshold: Point; bestF1Here: Point; curve: Point[] };
  /** --relations wikidata: answers outside the 96 DocRED relations (not scored). */
  outsideSchema?: OutsideSchema | null;
  byPrecisionTarget: { target: number; fittedOnCalibration: Point | null; here: Point | null }[];
  typeFilter: { atDefaultThreshold: Point; atCalibratedThreshold: Point | null; atCalibrationBestF1Threshold: Point };
  logistic: { atCalibratedThreshold: Point | null; atCalibrationBestF1Threshold: Point; bestF1Here: Point; curve: Point[] };
}

interface OutsideSchema {
  answersAtDefaultThreshold: number;
  outsideAtDefaultThreshold: number;
  relatedPairs: number;
  relatedPairsWithTop1Outside: number;
  mostFrequent: { id: string; name: string; count: number }[];
}

/** The built-in Wikidata set a run's candidates were (bench:documents --relations), or null: the 96 DocRED relations. */
export const wikidataCandidates = (result: DocumentsResult): 'wikidata' | 'wikidata-no-ids' | null =>
  result.settings.relationSet === undefined || result.settings.relationSet === 'docred' ? null : result.settings.relationSet;
const candidateSets = {
  wikidata: (count: number) => `all ${count.toLocaleString('en-US')} relations of the built-in wikidata set`,
  'wikidata-no-ids': (count: number) => `the ${count.toLocaleString('en-US')} relations of the built-in wikidata-no-ids set (Wikidata without its identifier properties)`,
} as const;
// Runs before settings.relationCount was recorded all had the whole set.
const relationCount = (result: DocumentsResult): number => result.settings.relationCount ?? 11_665;

export interface DocumentsResult {
  benchmark: 'documents';
  model: string;
  /** The model's named "no relation" calibration the extractor ran with (--calibration); absent or null: the model's own. */
  namedCalibration?: string | null;
  /** set when the run used the library's entity-type constraints (bench:documents --types). */
  entityTypes?: { declaredFrom: string; relationsDeclaring: number; paragraph: string } | null;
  settings: {
    seed: number;
    window: number;
    precisionTarget: number;
    defaultThreshold: number;
    calibrationDocuments: number[];
    measuringDocuments: number[];
    windowDocuments: number[];
    threads: number;
    /** the candidates (--relations): the 96 DocRED relations (absent in earlier runs), or every relation of the built-in wikidata set. */
    relationSet?: 'docred' | 'wikidata' | 'wikidata-no-ids';
    /** how many relations were candidates (absent in earlier runs). */
    relationCount?: number;
  };
  trainedRelations: string;
  calibration: { probabilityThreshold: Point | null; logisticThreshold: Point | null; sentencePairs: Part };
  measuring: { sentencePairs: Part; windowPairs: Part | null };
  time: { wallSeconds: number; cpuSeconds: number; modelSeconds?: Record<string, number> };
  /** The model's learned none vectors (training/fit_none_vector.py); absent or null: a constant none logit. */
  noneVector?: { calibrationDocuments: number; pairs: number; documentPrecision: number; relationBiases?: boolean } | null;
  paragraph?: {
    text: string;
    entities: string[];
    pairsClassified: Record<string, number>;
    atDefaultThreshold: Record<string, string[]>;
    atCalibrationBestF1Threshold: { threshold: number; triples: Record<string, string[]> };
  };
  environment: { commit: string; cpu: string; cores: number; date: string };
}

export function isDocumentsResult(value: { benchmark: string }): value is DocumentsResult {
  return value.benchmark === 'documents';
}

const pct = (x: number): string => (x * 100).toFixed(1);

/** What the run cost; a run whose pairs were all scored already (--scores-dir, keyed by the
 * manifest digest) says so instead of a misleading "0 min". */
function timeSpent(time: DocumentsResult['time']): string {
  const modelSeconds = time.modelSeconds === undefined ? null : Object.values(time.modelSeconds).reduce((a, b) => a + b, 0);
  if (modelSeconds === 0) return `scores read from an earlier run's cache of the same manifest digest (this run ${time.wallSeconds} s)`;
  return `${Math.round(time.wallSeconds / 60)} min wall, ${Math.round(time.cpuSeconds / 60)} min CPU`;
}
const cells = (point: Point | null): string => (point === null ? '- | - | - | -' : `${point.threshold.toFixed(3)} | ${pct(point.precision)} | ${pct(point.recall)} | ${pct(point.f1)}`);

/**
 * The table, one row per operating point, sentence pairs and window pairs apart. `before`: an
 * earlier run of the same benchmark on the same measuring documents (benchmarks/results/
 * documents-history/), shown as rows of its own so a change of model is seen against it.
 */
export function documentsMarkdown(result: DocumentsResult, chartPath: string, before?: DocumentsResult): string[] {
  const { settings, calibration, measuring, environment } = result;
  const target = pct(settings.precisionTarget);
  const named = result.namedCalibration ?? null;
  const defaultLabel = named === null ? "default threshold (the model's)" : `default threshold (the "${named}" calibration's)`;
  const typed = result.entityTypes ?? null;
  const set = wikidataCandidates(result);
  const lines = [
    `Re-DocRED dev (revised DocRED, Wikipedia), ${result.model}${named === null ? '' : ` with \`calibration: '${named}'\``}${typed === null ? '' : ' and entity types (`headTypes` / `tailTypes`)'}, int8, ${settings.threads} threads; run ${environment.date.slice(0, 10)}, commit ${environment.commit.slice(0, 8)}, ${environment.cores} × ${environment.cpu}, ${timeSpent(result.time)}. ` +
      `Documents split by seed ${settings.seed}: thresholds fitted on ${settings.calibrationDocuments.length} calibration documents (${calibration.sentencePairs.pairs} sentence pairs), every figure below on ${settings.measuringDocuments.length} other documents. ` +
      (set === null
        ? 'Candidates: the 96 DocRED relations. '
        : `Candidates: ${candidateSets[set](relationCount(result))}, as a knowledge-graph pipeline with Wikidata relations runs it (\`relations: '${set}'\`); Re-DocRED labels only its 96 DocRED relations, so an answer outside them is left out (as if the pipeline kept those 96) and a related pair answered so counts as missed. `) +
      `Every ordered pair of entities sharing a sentence; a pair is related when Re-DocRED labels it with evidence in that sentence (or without evidence).`,
    '',
    '| pairs | operating point | threshold | precision | recall | F1 |',
    '|---|---|---|---|---|---|',
  ];
  const unreachable = (point: Point | null): string => (point === null ? ' — not reachable on calibration' : '');
  const rows = (name: string, part: Part): void => {
    const reachable = part.byPrecisionTarget.filter((entry) => entry.here !== null).pop();
    lines.push(
      `| ${name} | ${defaultLabel} | ${cells(part.probability.atDefaultThreshold)} |`,
      `| ${name} | \`threshold\` for precision ${target}% (fitted on calibration)${unreachable(part.probability.atCalibratedThreshold)} | ${cells(part.probability.atCalibratedThreshold)} |`,
    );
    if (reachable !== undefined && reachable.target !== settings.precisionTarget) {
      lines.push(`| ${name} | \`threshold\` for precision ${pct(reachable.target)}%, the highest target reached on calibration | ${cells(reachable.here)} |`);
    }
    lines.push(
      `| ${name} | \`threshold\` for best F1 (fitted on calibration) | ${cells(part.probability.atCalibrationBestF1Threshold)} |`,
      `| ${name} | logistic abstention score, best-F1 threshold (fitted on calibration) | ${cells(part.logistic.atCalibrationBestF1Threshold)} |`,
    );
    // A run with the library's type constraints already leaves out what the post-hoc filter would.
    if (typed === null) {
      lines.push(
        `| ${name} | entity-type filter, default threshold | ${cells(part.typeFilter.atDefaultThreshold)} |`,
        `| ${name} | entity-type filter, best-F1 threshold (fitted on calibration) | ${cells(part.typeFilter.atCalibrationBestF1Threshold)} |`,
      );
    }
    lines.push(`| ${name} | best F1 of any threshold here (oracle, not a result) | ${cells(part.probability.bestF1Here)} |`);
  };
  rows(`sentence (${measuring.sentencePairs.pairs}, ${pct(measuring.sentencePairs.relatedShare)}% related)`, measuring.sentencePairs);
  const comparable = before !== undefined && sameDocuments(before.settings.measuringDocuments, settings.measuringDocuments);
  if (before !== undefined && comparable) {
    const label = `sentence, the run of ${before.environment.date.slice(0, 10)} (commit ${before.environment.commit.slice(0, 8)}, ${before.noneVector ? `with none vector${before.noneVector.relationBiases === true ? ' and relation biases' : ''}` : 'no none vector'})`;
    lines.push(
      `| ${label} | default threshold (that model's) | ${cells(before.measuring.sentencePairs.probability.atDefaultThreshold)} |`,
      `| ${label} | \`threshold\` for best F1 (fitted on calibration) | ${cells(before.measuring.sentencePairs.probability.atCalibrationBestF1Threshold)} |`,
      `| ${label} | best F1 of any threshold (oracle, not a result) | ${cells(before.measuring.sentencePairs.probability.bestF1Here)} |`,
    );
  }
  if (measuring.windowPairs !== null) rows(`across sentences, ≤ ${settings.window} apart (${measuring.windowPairs.pairs} in ${measuring.windowPairs.documents} docs, ${pct(measuring.windowPairs.relatedShare)}% related)`, measuring.windowPairs);
  // The thresholds "fitted on calibration" above are read off documents the none vectors were fitted
  // on when those overlap: a vector is surer of its own pairs, so such thresholds promise too much.
  // (Both take the calibration part's documents in the same order, from its first.)
  const inSample = (fitDocuments: number): string => {
    const shared = Math.min(fitDocuments, settings.calibrationDocuments.length);
    return shared === 0
      ? ''
      : `${shared === settings.calibrationDocuments.length ? `All ${shared}` : `${shared} of the ${settings.calibrationDocuments.length}`} calibration documents the table's thresholds are fitted on are among those the vectors were fitted on: those thresholds are read off in-sample probabilities and promise more precision than new documents see. `;
  };
  const vector = result.noneVector;
  lines.push(
    '',
    (vector && named !== null
      ? `The extractor ran with the model's named calibration "${named}" (\`calibration: '${named}'\`): learned none vectors (training/fit_none_vector.py) move the "no relation" logit with the sentence's bi-encoder vector${vector.relationBiases === true ? ', and relation biases (one per DocRED relation, added to its logit) lower the relations answered wrongly more often than their scores say; both' : ','} fitted on ${vector.pairs} sentence pairs of the first ${vector.calibrationDocuments} calibration documents (none of the measuring ones), and its threshold is the smallest reaching precision ${pct(vector.documentPrecision)}% there. ${inSample(vector.calibrationDocuments)}`
      : vector
      ? `The model carries learned none vectors (training/fit_none_vector.py): the "no relation" logit moves with the sentence's bi-encoder vector, fitted on ${vector.pairs} sentence pairs of the first ${vector.calibrationDocuments} calibration documents (none of the measuring ones), and its default threshold is the smallest reaching precision ${pct(vector.documentPrecision)}% there. ${inSample(vector.calibrationDocuments)}`
      : 'The model has a constant "no relation" logit (no none vector). ') +
      `Among related sentence pairs the top-1 relation is right for ${pct(measuring.sentencePairs.top1RightAmongRelated)}% (the ceiling of recall at any threshold). ` +
      'Logistic abstention score: a logistic regression of "the top-1 is right" on the top-1 and second probabilities, the "no relation" share and the bi-encoder cosines, fitted on the calibration pairs. ' +
      (typed === null
        ? 'Entity-type filter: no answer when the top-1 relation never links these two entity types among the calibration documents\' labels (Re-DocRED\'s gold types stand in for declared relation types and an NER). '
        : `Entity types: the library's constraints (\`headTypes\` / \`tailTypes\` on relations, \`type\` on entities): a relation is never a candidate for a pair whose types it does not declare, so the model ranks only the relations that can hold. Declared from ${typed.declaredFrom}: ${typed.relationsDeclaring} of the 96 relations declare types. Each pair passes Re-DocRED's gold mention types, standing in for an NER. `) +
      `Relations: the model trained on DocRED sentences of these relation types, so this is the "relations it trained on" row, on documents it never saw; no model holding them out has been trained yet (it needs a GPU run), so there is no "never-seen relations" row.`,
  );
  const outside = measuring.sentencePairs.outsideSchema ?? null;
  if (outside !== null) {
    lines.push(
      '',
      `Answers outside the 96 DocRED relations (measuring sentence pairs, default threshold; not in the table): ${outside.outsideAtDefaultThreshold} of ${outside.answersAtDefaultThreshold} answers, ` +
        `${outside.relatedPairs} of them on pairs Re-DocRED relates (another relation answered instead of its label); of the ${measuring.sentencePairs.related} related pairs, ${outside.relatedPairsWithTop1Outside} have their top-1 outside. ` +
        `Most frequent: ${outside.mostFrequent.slice(0, 10).map(({ id, name, count }) => `${name} (${id}) ${count}`).join(', ')}.`,
    );
  }
  const paragraph = result.paragraph;
  if (paragraph !== undefined) {
    const list = (triples: string[] | undefined): string => (triples === undefined || triples.length === 0 ? 'none' : triples.map((triple) => `\`${triple}\``).join('; '));
    lines.push(
      '',
      `The issue's paragraph through \`extractDocument\` (entities from the rule-based finder${typed === null ? '' : ', typed: its person / place / organization named PER / LOC / ORG'}: ${paragraph.entities.join(', ')}; the same ${set === null ? '96 relations' : 'candidates'}): "${paragraph.text}"`,
      '',
      `- every pair at any distance (\`pairs: 'all'\`, the old default; ${paragraph.pairsClassified.all} pairs), default threshold: ${list(paragraph.atDefaultThreshold.all)}`,
      `- by sentence (the new default; ${paragraph.pairsClassified.sentence} pairs), default threshold: ${list(paragraph.atDefaultThreshold.sentence)}`,
      `- by sentence, \`threshold\` ${paragraph.atCalibrationBestF1Threshold.threshold.toFixed(3)} (best F1 on calibration): ${list(paragraph.atCalibrationBestF1Threshold.triples.sentence)}`,
    );
  }
  lines.push('', `![precision against recall](${chartPath})`);
  return lines;
}

const sameDocuments = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((doc, i) => doc === b[i]);

/** The chart title's note of a Wikidata candidate set, so its chart is not mistaken for the 96 relations' one. */
function chartCandidates(result: DocumentsResult): string {
  const set = wikidataCandidates(result);
  return set === null ? '' : `candidates: the built-in '${set}' set (${relationCount(result).toLocaleString('en-US')} relations)`;
}

/** Precision (y) against recall (x) of the probability threshold on the measuring part, with the operating points marked. */
export function documentsChart(result: DocumentsResult): string {
  const candidates = chartCandidates(result);
  const width = 640, height = 420, left = 60, right = 20, top = candidates === '' ? 30 : 46, bottom = 50;
  const x = (recall: number): number => left + recall * (width - left - right);
  const y = (precision: number): number => top + (1 - precision) * (height - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">Re-DocRED dev, measuring documents: precision against recall${result.namedCalibration ? ` (calibration "${result.namedCalibration}")` : ''}${result.entityTypes ? ', entity types' : ''}</text>`,
    ...(candidates === '' ? [] : [`<text x="${width / 2}" y="34" text-anchor="middle" font-size="12">${candidates}</text>`]),
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
    `<text x="${width / 2}" y="${height - 12}" text-anchor="middle">recall (%)</text>`,
    `<text x="16" y="${height / 2}" transform="rotate(-90 16 ${height / 2})" text-anchor="middle">precision (%)</text>`,
  ];
  for (let v = 0; v <= 100; v += 20) {
    parts.push(`<text x="${x(v / 100)}" y="${height - bottom + 15}" text-anchor="middle">${v}</text>`);
    parts.push(`<text x="${left - 6}" y="${y(v / 100) + 4}" text-anchor="end">${v}</text>`);
  }
  const series: [string, string, Point[]][] = [
    ['sentence pairs, probability', '#1b9e77', result.measuring.sentencePairs.probability.curve],
    ['sentence pairs, logistic score', '#7570b3', result.measuring.sentencePairs.logistic.curve],
  ];
  if (result.measuring.windowPairs !== null) series.push(['pairs across sentences, probability', '#d95f02', result.measuring.windowPairs.probability.curve]);
  series.forEach(([name, colour, points], index) => {
    const path = points.map((p) => `${x(p.recall).toFixed(1)},${y(p.precision).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${width - right - 200}" y="${top + 14 * (index + 1)}" fill="${colour}">— ${name}</text>`);
  });
  const marks: [string, Point | null][] = [
    ['default', result.measuring.sentencePairs.probability.atDefaultThreshold],
    [`precision ${pct(result.settings.precisionTarget)}% fit`, result.measuring.sentencePairs.probability.atCalibratedThreshold],
  ];
  for (const [name, point] of marks) {
    if (point === null) continue;
    parts.push(`<circle cx="${x(point.recall).toFixed(1)}" cy="${y(point.precision).toFixed(1)}" r="4" fill="black"/>`);
    parts.push(`<text x="${(x(point.recall) + 6).toFixed(1)}" y="${(y(point.precision) - 6).toFixed(1)}">${name} (${point.threshold.toFixed(2)})</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * One table for the main README: the shipped model's sentence-pair runs side by side by candidate
 * set (the 96 DocRED relations, the built-in Wikidata sets) and calibration, at each run's default
 * threshold. Answers outside the 96 cannot be judged against Re-DocRED: counted, not scored.
 */
export function candidateSetsMarkdown(runs: readonly DocumentsResult[]): string[] {
  const sets = (run: DocumentsResult): string => {
    const set = wikidataCandidates(run);
    return set === null ? 'the 96 DocRED relations' : `\`'${set}'\` (${relationCount(run).toLocaleString('en-US')})`;
  };
  const sorted = runs
    .filter((run) => !run.entityTypes)
    .sort((a, b) => (wikidataCandidates(a) ?? '').localeCompare(wikidataCandidates(b) ?? '') || (a.namedCalibration ?? '').localeCompare(b.namedCalibration ?? ''));
  const first = sorted[0];
  if (first === undefined) return [];
  // Side by side only on the same documents.
  const rows = sorted
    .filter((run) => sameDocuments(run.settings.measuringDocuments, first.settings.measuringDocuments))
    .map((run) => {
      const part = run.measuring.sentencePairs;
      const point = part.probability.atDefaultThreshold;
      const outside = part.outsideSchema ?? null;
      const answers = outside === null ? point.answered : outside.answersAtDefaultThreshold;
      return (
        `| ${sets(run)} | ${run.namedCalibration === null || run.namedCalibration === undefined ? "the model's own" : `\`'${run.namedCalibration}'\``} | ${point.threshold.toFixed(3)} | ${answers} | ` +
        `${outside === null ? 0 : outside.outsideAtDefaultThreshold} | ${pct(point.precision)} | ${pct(answers === 0 ? 0 : point.right / answers)} | ${pct(point.recall)} | ${pct(point.f1)} | ${pct(part.top1RightAmongRelated)} |`
      );
    });
  return [
    `The same measuring documents' ${first.measuring.sentencePairs.pairs} sentence pairs (${first.measuring.sentencePairs.related} related) with other candidate sets, each at its default threshold. ` +
      'With a built-in Wikidata set an answer outside the 96 DocRED relations cannot be judged against Re-DocRED (which labels only those): it is counted, not scored, and a related pair answered so counts as missed; precision is over the answers among the 96 (and, the lower bound, over all answers, as if every answer outside the 96 were wrong).',
    '',
    '| candidates | calibration | threshold | answers | outside the 96 | precision | precision, outside answers counted wrong | recall | F1 | top-1 right among related |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
}
