import { isZsreError, type ZsreError, type ZsreErrorCode } from '../errors.js';
import type { ExtractBatchOptions, Extractor, ExtractResult, TextItem } from '../schemas.js';
import type { EntityPair, SkippedPair } from './pairEntities.js';

export interface ClassifiedPairs {
  /** One result per classified pair, in the order of the pairs given (refused pairs left out). */
  results: ExtractResult[];
  /** The pairs the extractor refused, with its error code and message. */
  refused: SkippedPair[];
}

// Errors that say the extractor itself cannot run (not that one pair is wrong): they end the call.
const systemic = new Set<ZsreErrorCode>(['DISPOSED', 'MODEL_NOT_FOUND', 'MODEL_INVALID', 'MODEL_CHECKSUM', 'MODEL_IO_MISMATCH', 'MODEL_RUNTIME', 'INDEX_INVALID']);

/**
 * Classifies the pairs of one text in one extractBatch call (an extractor or a worker pool). When
 * the extractor refuses a pair (for example a nested pair where entity markers cannot nest), that
 * pair is reported in `refused` and the others are still classified: the batch is halved until
 * the refused pairs stand alone. An error of the extractor itself (disposed, model failure) is
 * thrown. A pair with a `context` is classified in that part of the text alone (its offsets are
 * mapped back to the whole text). Positions in a batch error are not trusted, since a worker pool numbers its own slices.
 */
export async function classifyPairs(
  extractor: Pick<Extractor, 'extractBatch'>,
  text: string,
  pairs: readonly EntityPair[],
  options: ExtractBatchOptions = {},
): Promise<ClassifiedPairs> {
  const refused: SkippedPair[] = [];
  const run = async (part: readonly EntityPair[], progress: ExtractBatchOptions): Promise<ExtractResult[]> => {
    if (part.length === 0) return [];
    try {
      const results = await extractor.extractBatch(part.map((pair) => pairItem(text, pair)), progress);
      // A pair classified in its context (its sentences): offsets back into the whole text.
      return results.map((result, index) => {
        const shift = part[index]?.context?.start ?? 0;
        if (shift === 0) return result;
        return { ...result, head: { ...result.head, start: result.head.start + shift, end: result.head.end + shift }, tail: { ...result.tail, start: result.tail.start + shift, end: result.tail.end + shift } };
      });
    } catch (error) {
      if (!isPairError(error, part.length)) throw error;
      const [pair] = part;
      if (part.length === 1 && pair !== undefined) {
        refused.push({ head: pair.head, tail: pair.tail, code: error.code, message: error.message });
        return [];
      }
      const middle = Math.ceil(part.length / 2);
      return [...(await run(part.slice(0, middle), {})), ...(await run(part.slice(middle), {}))];
    }
  };
  const results = await run(pairs, options);
  return { results, refused };
}

/** The item for one pair: its context (sentences) when it has one, else the whole text. */
export function pairItem(text: string, { head, tail, context, headType, tailType }: EntityPair): TextItem {
  const from = context?.start ?? 0;
  return {
    text: context === undefined ? text : text.slice(context.start, context.end),
    head: withType({ start: head.start - from, end: head.end - from }, headType),
    tail: withType({ start: tail.start - from, end: tail.end - from }, tailType),
  };
}

function withType(span: { start: number; end: number }, type: string | undefined): { start: number; end: number; type?: string } {
  return type === undefined ? span : { ...span, type };
}

/** A ZsreError about one item: it names the item (batches of two or more), or it is not systemic. */
function isPairError(error: unknown, batchLength: number): error is ZsreError {
  if (!isZsreError(error) || systemic.has(error.code)) return false;
  return batchLength === 1 || typeof error.context.item === 'number';
}
