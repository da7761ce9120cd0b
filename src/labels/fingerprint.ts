import { createHash } from 'node:crypto';

/**
 * The identity of a label index: everything that changes a description vector. Any change to
 * the bi-encoder graph, its precision, the tokenizer (each file's sha256, and the manifest's
 * lowercase setting), the text preparation (description templates and length, markers) or any
 * relation (order included, since hits are positions) gives a new fingerprint, so a stale index
 * is never reused.
 */
export interface FingerprintInput {
  biEncoderSha256: string;
  precision: string;
  /** The tokenizer files in manifest order, with the sha256 the loader computed. */
  tokenizerFiles: readonly { file: string; sha256: string }[];
  lowercase: boolean;
  template: string;
  nameOnlyTemplate: string;
  descriptionMaxLength: number;
  markers: { headStart: string; headEnd: string; tailStart: string; tailEnd: string };
  relations: readonly { id: string; name: string; description?: string | undefined }[];
}

// Bumped whenever the list below changes, so fingerprints of different layouts never collide.
const layoutVersion = 'zsre-label-index-2';

export function labelFingerprint(input: FingerprintInput): string {
  const hash = createHash('sha256');
  const { markers } = input;
  // JSON of arrays keeps field boundaries unambiguous ("ab"+"c" differs from "a"+"bc").
  hash.update(
    JSON.stringify([
      layoutVersion,
      input.biEncoderSha256,
      input.precision,
      input.tokenizerFiles.map(({ file, sha256 }) => [file, sha256]),
      input.lowercase,
      input.template,
      input.nameOnlyTemplate,
      input.descriptionMaxLength,
      [markers.headStart, markers.headEnd, markers.tailStart, markers.tailEnd],
      input.relations.map((relation) => [relation.id, relation.name, relation.description ?? null]),
    ]),
  );
  return hash.digest('hex');
}
