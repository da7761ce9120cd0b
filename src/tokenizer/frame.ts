import { ZsreError } from '../errors.js';
import type { Manifest } from '../model/manifest.js';
import type { SpecialIds } from './sequences.js';
import type { TextTokenizer } from './textTokenizer.js';

/** The two calls frameTokenizer needs from a tokenizer library (transformers.js in Node, tokenizers.js in the page). */
export interface RawTokenizer {
  encode(text: string, addSpecialTokens: boolean): number[];
  padId: number;
}

/**
 * Turns a loaded tokenizer into the pipeline's TextTokenizer, the same way on every platform: it
 * must frame text as [CLS] ... [SEP] and encode each manifest marker to at least one id. `where`
 * names the model (a folder or a URL) in the messages.
 */
export function frameTokenizer(raw: RawTokenizer, manifest: Manifest, where: string, wordByWord: boolean): TextTokenizer {
  const encode = (text: string): number[] => raw.encode(text, false);
  // The sequence template of a BERT tokenizer on empty input is exactly [CLS] [SEP].
  const frame = raw.encode('', true);
  const [cls, sep] = frame;
  if (frame.length !== 2 || cls === undefined || sep === undefined) {
    throw new ZsreError(
      'MODEL_INVALID',
      `The tokenizer in ${where} does not frame text as [CLS] ... [SEP] (got ${frame.length} special tokens): ` +
        'this runtime expects a BERT-style tokenizer; re-export the model with its backbone tokenizer.',
      { context: { directory: where } },
    );
  }
  const markerIds = (key: keyof Manifest['markers']): number[] => {
    const ids = encode(manifest.markers[key]);
    if (ids.length === 0) {
      throw new ZsreError(
        'MODEL_INVALID',
        `manifest.json field "markers.${key}" ("${manifest.markers[key]}") encodes to no token: ` +
          'choose a marker string that exists in the tokenizer vocabulary and re-export.',
        { context: { directory: where, field: `markers.${key}` } },
      );
    }
    return ids;
  };
  const special: SpecialIds = {
    cls,
    sep,
    pad: raw.padId,
    headStart: markerIds('headStart'),
    headEnd: markerIds('headEnd'),
    tailStart: markerIds('tailStart'),
    tailEnd: markerIds('tailEnd'),
  };
  return { encode, special, wordByWord };
}
