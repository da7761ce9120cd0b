import type { ExtractItem } from '../schemas.js';
import type { TextTokenizer } from '../tokenizer/textTokenizer.js';
import type { SentenceSequence } from '../tokenizer/sequences.js';
import type { Describe } from './describe.js';
import { type PreparedItem, prepareItem } from './prepare.js';

/** Token caps of the cross-encoder's two parts (option `pairLength`); null: the full sequences. */
export type PairLength = { sentence: number; description: number } | null;

/**
 * What the cross-encoder reads of a sentence and a description. Shorter pairs (option
 * `pairLength`): the sentence re-windowed around its entities by the same rules as the full one,
 * the description cut keeping its [SEP]. Off by default: fusion and the gate were fitted on full
 * pairs (benchmarks/results/pair-window_*.json measures the cost).
 */
export interface PairInputs {
  sentence(item: ExtractItem, prepared: PreparedItem): SentenceSequence;
  description(index: number): number[];
}

export function createPairInputs(options: { pairLength: PairLength; maxSentenceLength: number; tokenizer: TextTokenizer; describe: Describe }): PairInputs {
  const { pairLength, maxSentenceLength, tokenizer, describe } = options;
  return {
    sentence: (item, prepared) =>
      pairLength === null || pairLength.sentence >= maxSentenceLength ? prepared.sequence : prepareItem(item, tokenizer, pairLength.sentence).sequence,
    description: (index) => {
      const ids = describe(index);
      if (pairLength === null || ids.length <= pairLength.description) return ids;
      return [...ids.slice(0, pairLength.description - 1), ids[ids.length - 1] as number];
    },
  };
}
