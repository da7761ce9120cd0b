import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { ZsreError } from '../errors.js';
import { type Manifest, tokenizerFileRefs } from '../model/manifest.js';
import { frameTokenizer, type RawTokenizer } from './frame.js';
import type { TextTokenizer } from './textTokenizer.js';
import { tokenizesWordByWord } from './words.js';

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
  const raw: RawTokenizer = {
    encode: (text, addSpecialTokens) => tokenizer.encode(text, { add_special_tokens: addSpecialTokens }),
    padId: tokenizer.pad_token_id,
  };
  return frameTokenizer(raw, manifest, absolute, await readTokenizesWordByWord(absolute));
}

/** Reads `tokenizer.json` of a model directory and answers tokenizesWordByWord for it (false when it cannot be read). */
async function readTokenizesWordByWord(directory: string): Promise<boolean> {
  try {
    return tokenizesWordByWord(JSON.parse(await readFile(path.join(directory, 'tokenizer.json'), 'utf8')));
  } catch {
    return false;
  }
}
