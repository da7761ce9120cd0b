import type { EntityRef, ExtractBatchOptions, Extractor, ExtractResult, Span, Triple } from '../schemas.js';
import { findEntities } from './findEntities.js';
import { overlaps, resolveEntity, wordsBetween, wordStarts, type CharSpan } from './spans.js';

export interface DocumentInput {
  text: string;
  /** The entities of the text. Omitted: found by findEntities (rule-based, compromise; a convenience, see docs). */
  entities?: EntityRef[];
  /** Pairs further apart than this many words are not classified. Default 40. */
  maxTokenDistance?: number;
  /** 'both' (default): each pair in both directions; 'forward': head before tail in the text only. */
  directions?: 'both' | 'forward';
}

export interface DocumentResult {
  /** The distinct entity spans used. */
  entities: Span[];
  /** One result per ordered pair classified, in text order of head then tail. */
  results: ExtractResult[];
  /** The pairs with a relation above the threshold, de-duplicated by (head span, tail span, relation). */
  triples: Triple[];
}

const defaultMaxDistance = 40;

/**
 * Every relation between the entities of a whole paragraph or document: pairs of entities within
 * maxTokenDistance words, in both directions, all classified in one extractBatch call (a worker
 * pool works too), results de-duplicated.
 */
export async function extractDocument(
  extractor: Pick<Extractor, 'extractBatch'>,
  input: DocumentInput,
  options: ExtractBatchOptions = {},
): Promise<DocumentResult> {
  const { text } = input;
  const maxDistance = input.maxTokenDistance ?? defaultMaxDistance;
  let refs = input.entities;
  if (refs === undefined) refs = findEntities(text).map(({ start, end }) => ({ start, end }));
  // The same entity named twice (a string and its span) is one entity.
  const spans: CharSpan[] = [];
  refs.forEach((ref, position) => {
    const span = resolveEntity(text, ref, position);
    if (!spans.some((seen) => seen.start === span.start && seen.end === span.end)) spans.push(span);
  });
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  const starts = wordStarts(text);
  const pairs: { head: CharSpan; tail: CharSpan }[] = [];
  for (const head of spans) {
    for (const tail of spans) {
      if (head === tail || overlaps(head, tail)) continue;
      if (input.directions === 'forward' && head.start > tail.start) continue;
      if (wordsBetween(starts, head, tail) > maxDistance) continue;
      pairs.push({ head, tail });
    }
  }
  const entities = spans.map((span) => ({ ...span, text: text.slice(span.start, span.end) }));
  if (pairs.length === 0) return { entities, results: [], triples: [] };
  const results = await extractor.extractBatch(
    pairs.map(({ head, tail }) => ({ text, head: { start: head.start, end: head.end }, tail: { start: tail.start, end: tail.end } })),
    options,
  );
  const seen = new Set<string>();
  const triples: Triple[] = [];
  for (const result of results) {
    if (result.relation === null) continue;
    const key = `${result.head.start}:${result.head.end}>${result.tail.start}:${result.tail.end}=${result.relation.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    triples.push({ head: result.head, tail: result.tail, relation: result.relation });
  }
  return { entities, results, triples };
}
