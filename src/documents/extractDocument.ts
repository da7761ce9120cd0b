import { z } from 'zod';
import { ZsreError } from '../errors.js';
import { classifyPairs } from '../pairs/classifyPairs.js';
import { pairEntities, type Pairing, type SkippedPair } from '../pairs/pairEntities.js';
import { sentencePairing, type PairScopeOptions } from '../pairs/sentences.js';
import { entityRefSchema, parseInput, type EntityRef, type ExtractBatchOptions, type Extractor, type ExtractResult, type Span, type Triple } from '../schemas.js';
import { findEntities } from './findEntities.js';
import { locateEntity } from '../entities/locate.js';
import { entityTypeOf } from '../entities/schema.js';
import { batchOptionKinds, checkCallOptions } from '../core/callOptions.js';

export interface DocumentInput extends PairScopeOptions {
  text: string;
  /**
   * The entities of the text; the object forms may carry a `type` ({ start, end, type: "person" }),
   * which relations that declare headTypes / tailTypes are checked against. Omitted: found by
   * findEntities (rule-based, compromise; a convenience, see docs), typed "person", "place" or
   * "organization".
   */
  entities?: EntityRef[];
  /**
   * Which pairs: 'sentence' (default) — entities in the same sentence, classified in that
   * sentence; 'window' — also up to `windowSentences` (default 1) sentences apart; 'all' — any
   * distance, in the whole text. Pronouns are not entities: "She" is paired only if you list it.
   */
  pairs?: PairScopeOptions['pairs'];
  /** Pairs further apart than this many words are not classified (on top of `pairs`). Default 40. */
  maxTokenDistance?: number;
  /** 'both' (default): each pair in both directions; 'forward': head before tail in the text only. */
  directions?: 'both' | 'forward';
}

/** What extractDocument accepts: DocumentInput, every field checked, an unknown one refused. */
export const documentInputShape = {
  text: z.string(),
  entities: z.array(entityRefSchema).optional(),
  pairs: z.enum(['sentence', 'window', 'all']).optional(),
  windowSentences: z.number().int().positive().optional(),
  maxTokenDistance: z.number().int().nonnegative().optional(),
  directions: z.enum(['both', 'forward']).optional(),
};
const documentInputSchema: z.ZodType<DocumentInput> = z.object(documentInputShape).strict();

export interface DocumentResult {
  /** The distinct entity spans used, in text order. */
  entities: Span[];
  /** One result per ordered pair classified, in text order of head then tail. */
  results: ExtractResult[];
  /** The pairs with a relation above the threshold, de-duplicated by (head span, tail span, relation). */
  triples: Triple[];
  /**
   * Pairs within the distance that were not classified, each with a code and a message: entities
   * that partly overlap, and pairs the extractor refused. Every ordered pair within the distance
   * is in `results` or here.
   */
  skipped: SkippedPair[];
}

const defaultMaxDistance = 40;

/**
 * Every relation between the entities of a whole paragraph or document: pairs of entities in the
 * same sentence (or within a window of sentences, or anywhere: `pairs`) and within
 * maxTokenDistance words, in both directions, all classified in one extractBatch call (a worker
 * pool works too), results de-duplicated. Pairing is src/pairs (shared with extractAll).
 */
export async function extractDocument(
  extractor: Pick<Extractor, 'extractBatch'>,
  input: DocumentInput,
  options: ExtractBatchOptions = {},
): Promise<DocumentResult> {
  if (typeof (extractor as Partial<Extractor> | null | undefined)?.extractBatch !== 'function') {
    throw new ZsreError(
      'INVALID_INPUT',
      'extractDocument(extractor, input): the first argument must be an extractor from createExtractor() (or a worker pool from createWorkerPool()).',
      { context: { field: 'extractor' } },
    );
  }
  // The document's own settings (pairs, windowSentences, ...) go in the input; the third argument is extractBatch's.
  checkCallOptions(options, batchOptionKinds, 'extractDocument');
  input = parseInput(documentInputSchema, input, 'extractDocument input');
  const pairing = documentPairing(input);
  const { results, refused } = await classifyPairs(extractor, input.text, pairing.pairs, options);
  return { entities: pairing.entities, results, triples: distinctTriples(results), skipped: [...pairing.skipped, ...refused] };
}

/**
 * The pairs extractDocument classifies for a checked input: its entities (or those findEntities
 * finds), paired by `pairs`, `maxTokenDistance` and `directions`. labelDocument.ts pairs labelled
 * documents with it, so that a calibration is fitted on the very pairs extraction sees.
 */
export function documentPairing(input: DocumentInput): Pairing {
  const { text } = input;
  const refs: EntityRef[] = input.entities ?? findEntities(text).map(({ start, end, kind }) => ({ start, end, type: kind }));
  const spans = refs.map((ref, position) => ({ ...locateEntity(text, ref, `entity ${position}`), type: entityTypeOf(ref) }));
  const sentences = sentencePairing(text, input);
  return pairEntities(text, spans, {
    maxWordsBetween: input.maxTokenDistance ?? defaultMaxDistance,
    directions: input.directions ?? 'both',
    ...(sentences === undefined ? {} : { sentences }),
  });
}

/** The results with a relation, as triples, without repeats of (head span, tail span, relation). */
function distinctTriples(results: readonly ExtractResult[]): Triple[] {
  const seen = new Set<string>();
  const triples: Triple[] = [];
  for (const result of results) {
    if (result.relation === null) continue;
    const key = `${result.head.start}:${result.head.end}>${result.tail.start}:${result.tail.end}=${result.relation.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    triples.push({ head: result.head, tail: result.tail, relation: result.relation });
  }
  return triples;
}
