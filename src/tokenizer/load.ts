import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { ZsreError } from '../errors.js';
import { type Manifest, tokenizerFileRefs } from '../model/manifest.js';
import type { SpecialIds } from './sequences.js';
import type { TextTokenizer } from './textTokenizer.js';
import { readTokenizesWordByWord } from './words.js';

export type { TextTokenizer };

/**
 * Loads the model folder's tokenizer with @huggingface/transformers. `local_files_only` is the
 * per-call switch that keeps it off the network; the library's global `env` is left alone
 * (changing it would change every other user of the package in the same process). The path is
 * made absolute because a relative "org/name"-shaped path would be read as a hub model id.
 */
export async function loadTokenizer(directory: string, manifest: Manifest): Promise<TextTokenizer> {
  const absolute = path.resolve(directory);
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(absolute, { local_files_only: true });
  } catch (cause) {
    throw new ZsreError(
      'MODEL_INVALID',
      `Could not load the tokenizer from ${absolute} (files ${tokenizerFileRefs(manifest).map((ref) => ref.file).join(', ')}): ` +
        're-export the model directory so it contains the tokenizer files save_pretrained writes.',
      { cause, context: { directory: absolute } },
    );
  }
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });
  // The sequence template of a BERT tokenizer on empty input is exactly [CLS] [SEP].
  const frame = tokenizer.encode('', { add_special_tokens: true });
  const [cls, sep] = frame;
  if (frame.length !== 2 || cls === undefined || sep === undefined) {
    throw new ZsreError(
      'MODEL_INVALID',
      `The tokenizer in ${absolute} does not frame text as [CLS] ... [SEP] (got ${frame.length} special tokens): ` +
        'this runtime expects a BERT-style tokenizer; re-export the model with its backbone tokenizer.',
      { context: { directory: absolute } },
    );
  }
  const markerIds = (key: keyof Manifest['markers']): number[] => {
    const ids = encode(manifest.markers[key]);
    if (ids.length === 0) {
      throw new ZsreError(
        'MODEL_INVALID',
        `manifest.json field "markers.${key}" ("${manifest.markers[key]}") encodes to no token: ` +
          'choose a marker string that exists in the tokenizer vocabulary and re-export.',
        { context: { directory: absolute, field: `markers.${key}` } },
      );
    }
    return ids;
  };
  const special: SpecialIds = {
    cls,
    sep,
    pad: tokenizer.pad_token_id,
    headStart: markerIds('headStart'),
    headEnd: markerIds('headEnd'),
    tailStart: markerIds('tailStart'),
    tailEnd: markerIds('tailEnd'),
  };
  return { encode, special, wordByWord: await readTokenizesWordByWord(absolute) };
}
