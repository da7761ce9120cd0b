/**
 * How good are the candidate entities that extractDocument finds by itself (compromise, rule
 * based)? Precision and recall against 5 hand-annotated paragraphs
 * (test/fixtures/entities/paragraphs.json), pooled over all of them.
 *
 *   npx tsx benchmarks/entities-compromise.ts
 *
 * Writes benchmarks/results/entities-compromise.json. Small sample: read the numbers as a rough
 * guide to what the convenience is worth, not as an NER evaluation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findEntities } from 'zsre/kg';
import { locateEntity } from '../src/entities/locate.js';
import { scoreEntities, type CharSpan } from './lib/entityScore.js';
import { parseFlags } from './lib/args.js';
import { runEnvironment, writeResult } from './lib/environment.js';

interface Paragraph {
  id: string;
  text: string;
  entities: { text: string; occurrence?: number; kind: string }[];
}

parseFlags('Usage: npx tsx benchmarks/entities-compromise.ts   (no flags)', {});

const fixture = join(import.meta.dirname, '..', 'test', 'fixtures', 'entities', 'paragraphs.json');
const { paragraphs } = JSON.parse(readFileSync(fixture, 'utf8')) as { paragraphs: Paragraph[] };

const allGold: CharSpan[] = [];
const allPredicted: CharSpan[] = [];
const perParagraph = paragraphs.map((paragraph, index) => {
  // Spans are made disjoint across paragraphs by offsetting them, so pooling cannot mix them up.
  const offset = index * 1_000_000;
  const gold = paragraph.entities.map((entity, position) => locateEntity(paragraph.text, { text: entity.text, occurrence: entity.occurrence ?? 0 }, `entity ${position}`));
  const predicted = findEntities(paragraph.text);
  allGold.push(...gold.map((span) => ({ start: span.start + offset, end: span.end + offset })));
  allPredicted.push(...predicted.map((span) => ({ start: span.start + offset, end: span.end + offset })));
  const score = scoreEntities(gold, predicted);
  const goldKeys = new Set(gold.map((span) => `${span.start}:${span.end}`));
  const predictedKeys = new Set(predicted.map((span) => `${span.start}:${span.end}`));
  return {
    id: paragraph.id,
    ...score,
    missed: gold.filter((span) => !predictedKeys.has(`${span.start}:${span.end}`)).map((span) => paragraph.text.slice(span.start, span.end)),
    spurious: predicted.filter((span) => !goldKeys.has(`${span.start}:${span.end}`)).map((span) => span.text),
  };
});
const pooled = scoreEntities(allGold, allPredicted);
const result = {
  benchmark: 'entities-compromise',
  tagger: 'compromise people() + places() + organizations(), edge punctuation trimmed (src/documents/findEntities.ts)',
  fixture: 'test/fixtures/entities/paragraphs.json',
  paragraphs: paragraphs.length,
  pooled,
  perParagraph,
  environment: runEnvironment(),
};
const path = writeResult('entities-compromise', result);
console.log(`exact: P=${pooled.exact.precision.toFixed(3)} R=${pooled.exact.recall.toFixed(3)} F1=${pooled.exact.f1.toFixed(3)}; overlap: P=${pooled.overlap.precision.toFixed(3)} R=${pooled.overlap.recall.toFixed(3)}`);
console.log(`wrote ${path}`);
