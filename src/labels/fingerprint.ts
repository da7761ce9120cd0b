import { createHash } from 'node:crypto';

/**
 * The identity of a label index: everything that changes a description vector. Any change to
 * the model file, its precision, the description templates or length, or any relation (order
 * included, since hits are positions) gives a new fingerprint, so a stale index is never reused.
 */
export interface FingerprintInput {
  biEncoderSha256: string;
  precision: string;
  template: string;
  nameOnlyTemplate: string;
  descriptionMaxLength: number;
  relations: readonly { id: string; name: string; description?: string | undefined }[];
}

const layoutVersion = 'zsre-label-index-1';

export function labelFingerprint(input: FingerprintInput): string {
  const hash = createHash('sha256');
  // JSON of arrays keeps field boundaries unambiguous ("ab"+"c" differs from "a"+"bc").
  hash.update(
    JSON.stringify([
      layoutVersion,
      input.biEncoderSha256,
      input.precision,
      input.template,
      input.nameOnlyTemplate,
      input.descriptionMaxLength,
      input.relations.map((relation) => [relation.id, relation.name, relation.description ?? null]),
    ]),
  );
  return hash.digest('hex');
}
