import { createHash } from 'node:crypto';
import path from 'node:path';
import { checkDigest, digestedText, digestField, statedDigest } from './digestCheck.js';

/**
 * The manifest's own integrity (format 2): `manifestSha256` is the sha256 of the UTF-8 bytes of
 * the canonical JSON (canonicalJson.ts) of the parsed manifest without that one field. Every
 * other field is covered, whatever it is named, so a field added later (say to `fusion`) is
 * sealed too; and since the manifest lists each file's sha256, the digest covers the files.
 * It detects a manifest changed after export; it is not a signature (anyone can re-seal), so a
 * mirror that must prove its origin compares the digest with the one the publisher states.
 */

export { digestField };

/** The digest of a parsed manifest (the digest field itself, if present, is left out). */
export function manifestDigest(raw: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(digestedText(raw), 'utf8').digest('hex');
}

/** A copy of `raw` with its digest set (last, for readers of the file). */
export function sealManifest(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { [digestField]: _ignored, ...content } = raw;
  return { ...content, [digestField]: manifestDigest(content) };
}

/**
 * Refuses a format-2 manifest whose content no longer matches its digest. Runs on the parsed
 * JSON before the schema, so that any edit (even one the schema would also reject) is named as
 * what it is: a manifest changed after export.
 */
export function verifyManifestDigest(raw: Readonly<Record<string, unknown>>, file: string): void {
  const stated = statedDigest(raw, file);
  checkDigest(file, stated, manifestDigest(raw));
}

const noticed = new Set<string>();

/**
 * One warning per directory and process (a worker thread keeps its own set: module state is per
 * thread) that a format-1 directory is loaded unverified. It goes
 * through process.emitWarning (stderr by default), so programs can recognise it by its code
 * (`process.on('warning')`) and `node --no-warnings` silences it, as for Node's own warnings.
 */
export function noticeUnverifiedModel(directory: string): void {
  const absolute = path.resolve(directory);
  if (noticed.has(absolute)) return;
  noticed.add(absolute);
  process.emitWarning(
    `model directory ${absolute} has manifest format version 1: its manifest and tokenizer files are not verified ` +
      `(only the graphs' sha256); re-export it, or seal it with scripts/seal-model.ts from the zsre repository.`,
    { type: 'ZsreWarning', code: 'ZSRE_MODEL_UNVERIFIED' },
  );
}
