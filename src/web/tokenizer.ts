import { Tokenizer } from '@huggingface/tokenizers';
import { ZsreError } from '../errors.js';
import type { Manifest } from '../model/manifest.js';
import { frameTokenizer } from '../tokenizer/frame.js';
import type { TextTokenizer } from '../tokenizer/textTokenizer.js';
import { tokenizesWordByWord } from '../tokenizer/words.js';

/**
 * The page's tokenizer: @huggingface/tokenizers (the tokenizer half of transformers.js, which
 * Node uses whole) over the verified tokenizer.json and tokenizer_config.json, framed exactly as
 * in Node (src/tokenizer/frame.ts). test/web-tokenizer.test.ts checks that both give the same ids.
 */
export function webTokenizer(files: ReadonlyMap<string, Uint8Array>, manifest: Manifest, where: string): TextTokenizer {
  const json = (name: string): Record<string, unknown> | undefined => {
    const bytes = files.get(name);
    return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>);
  };
  let tokenizer: Tokenizer;
  let config: Record<string, unknown>;
  let definition: Record<string, unknown> | undefined;
  try {
    definition = json('tokenizer.json');
    config = json('tokenizer_config.json') ?? {};
    if (definition === undefined) throw new Error('the manifest lists no tokenizer.json');
    tokenizer = new Tokenizer(definition, config);
  } catch (cause) {
    throw new ZsreError(
      'MODEL_INVALID',
      `Could not load the tokenizer of ${where} (files ${[...files.keys()].join(', ')}): ${(cause as Error).message}. ` +
        're-export the model directory so it contains the tokenizer files save_pretrained writes.',
      { cause, context: { directory: where } },
    );
  }
  const padToken = typeof config.pad_token === 'string' ? config.pad_token : '[PAD]';
  const padId = tokenizer.token_to_id(padToken);
  if (padId === undefined) {
    throw new ZsreError('MODEL_INVALID', `The tokenizer of ${where} has no id for its pad token "${padToken}": re-export the model with its backbone tokenizer.`, {
      context: { directory: where },
    });
  }
  return frameTokenizer(
    { encode: (text, addSpecialTokens) => tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids, padId },
    manifest,
    where,
    tokenizesWordByWord(definition),
  );
}
