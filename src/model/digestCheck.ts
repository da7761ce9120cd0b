import { ZsreError } from '../errors.js';
import { canonicalJson } from './canonicalJson.js';

/**
 * The platform-free half of the manifest digest check (integrity.ts explains the digest): what is
 * hashed and how a wrong digest is reported. Node hashes with node:crypto (integrity.ts), the
 * browser with WebCrypto (src/web/sha256.ts); both throw the errors made here.
 */

export const digestField = 'manifestSha256';

/** The text whose sha256 is the digest: the canonical JSON of the manifest without its digest field. */
export function digestedText(raw: Readonly<Record<string, unknown>>): string {
  const { [digestField]: _ignored, ...content } = raw;
  return canonicalJson(content);
}

/** The digest the manifest states; throws MODEL_INVALID when it is not 64 lower-case hex digits. */
export function statedDigest(raw: Readonly<Record<string, unknown>>, file: string): string {
  const stated = raw[digestField];
  if (typeof stated !== 'string' || !/^[0-9a-f]{64}$/.test(stated)) {
    throw new ZsreError(
      'MODEL_INVALID',
      `${file}: field "${digestField}" must be 64 lower-case hex digits in a format version 2 manifest: ` +
        're-export the model, or restore manifest.json from the original download.',
      { context: { file, field: digestField } },
    );
  }
  return stated;
}

/** Throws MODEL_CHECKSUM when the manifest's content does not hash to the digest it states. */
export function checkDigest(file: string, stated: string, actual: string): void {
  if (actual === stated) return;
  throw new ZsreError(
    'MODEL_CHECKSUM',
    `${file}: the manifest was changed after export (its content hashes to ${actual}, but ${digestField} says ${stated}): ` +
      'a changed fusion parameter, file hash or setting would silently change answers. Re-export the model, or restore ' +
      'manifest.json from the original download.',
    { context: { file, field: digestField, expected: stated, actual } },
  );
}
