import type { Relation } from '../schemas.js';
import type { TextTokenizer } from '../tokenizer/textTokenizer.js';
import { buildDescriptionSequence, descriptionText } from '../tokenizer/sequences.js';

/** Token ids of relation `index`'s description sequence (contract step 4), built once and kept. */
export type Describe = (index: number) => number[];

export function createDescribe(
  relations: readonly Relation[],
  tokenizer: TextTokenizer,
  templates: { template: string; nameOnlyTemplate: string },
  maxLength: number,
): Describe {
  const cache = new Map<number, number[]>();
  return (index) => {
    let ids = cache.get(index);
    if (ids === undefined) {
      const text = descriptionText(relations[index] as Relation, templates);
      ids = buildDescriptionSequence(tokenizer.encode(text), tokenizer.special, maxLength);
      cache.set(index, ids);
    }
    return ids;
  };
}
