import { isZsreError, type ZsreError, type ZsreErrorCode } from '../errors.js';
import type { ExtractBatchOptions, Extractor, ExtractResult } from '../schemas.js';
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
 * thrown. Positions in a batch error are not trusted, since a worker pool numbers its own slices.
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
      return await extractor.extractBatch(
        part.map(({ head, tail }) => ({ text, head: { start: head.start, end: head.end }, tail: { start: tail.start, end: tail.end } })),
        progress,
      );
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

/** A ZsreError about one item: it names the item (batches of two or more), or it is not systemic. */
function isPairError(error: unknown, batchLength: number): error is ZsreError {
  if (!isZsreError(error) || systemic.has(error.code)) return false;
  return batchLength === 1 || typeof error.context.item === 'number';
}
