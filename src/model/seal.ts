import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZsreError } from '../errors.js';
import { sealManifest, verifyManifestDigest } from './integrity.js';
import { sha256File } from './loadModel.js';
import { type GraphName, manifestV1Schema } from './manifest.js';

/**
 * Migrates a format-1 model directory to format 2 in place (scripts/seal-model.ts is its command):
 * lists each tokenizer file's sha256 and seals the manifest with its digest. It seals only what it
 * could check, so a corrupted directory is never blessed: every listed graph file that is present
 * must match its sha256, and each tokenizer file must match the sha256 the exporter recorded in
 * `provenance.files` where it recorded one. Only manifest.json changes; no other byte is written.
 */
export interface SealReport {
  manifest: string;
  /** 'sealed': migrated now; 'already-sealed': a format-2 manifest whose digest holds. */
  outcome: 'sealed' | 'already-sealed';
  manifestSha256: string;
  /** One line per file: verified, absent (its listed sha256 kept), or taken as found. */
  files: string[];
}

export async function sealModelDirectory(directory: string): Promise<SealReport> {
  const absolute = path.resolve(directory);
  const manifestFile = path.join(absolute, 'manifest.json');
  const raw = await readFile(manifestFile, 'utf8')
    .then((text) => JSON.parse(text) as Record<string, unknown>)
    .catch((cause: unknown) => {
      throw new ZsreError('MODEL_INVALID', `${manifestFile} is missing or not JSON: nothing to seal.`, { cause, context: { file: manifestFile } });
    });
  if (raw.formatVersion === 2) {
    verifyManifestDigest(raw, manifestFile);
    return { manifest: manifestFile, outcome: 'already-sealed', manifestSha256: String(raw.manifestSha256), files: [] };
  }
  const parsed = manifestV1Schema.safeParse(raw);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') || '(root)';
    throw new ZsreError('MODEL_INVALID', `${manifestFile}: not a valid format-1 manifest (field "${field}"): nothing to seal.`, {
      cause: parsed.error,
      context: { file: manifestFile, field },
    });
  }
  const v1 = parsed.data;
  const files: string[] = [];
  for (const graph of ['biEncoder', 'crossEncoder'] as GraphName[]) {
    let present = 0;
    for (const [precision, ref] of Object.entries(v1.graphs[graph].files)) {
      if (ref === undefined) continue;
      const actual = await sha256File(path.join(absolute, ref.file)).catch(() => null);
      if (actual === null) {
        files.push(`${ref.file}: absent (graphs.${graph}.files.${precision}; its listed sha256 is kept)`);
        continue;
      }
      if (actual !== ref.sha256) throw mismatch(absolute, ref.file, `graphs.${graph}.files.${precision}`, ref.sha256, actual);
      present += 1;
      files.push(`${ref.file}: verified`);
    }
    if (present === 0) {
      throw new ZsreError('MODEL_INVALID', `${absolute} holds no graph file of graphs.${graph}: nothing to seal; re-export the model.`, {
        context: { directory: absolute, field: `graphs.${graph}.files` },
      });
    }
  }
  const recorded = isRecord(v1.provenance.files) ? v1.provenance.files : {};
  const tokenizerRefs = [];
  for (const file of v1.tokenizer.files) {
    const actual = await sha256File(path.join(absolute, file)).catch(() => null);
    if (actual === null) {
      throw new ZsreError('MODEL_INVALID', `${path.join(absolute, file)} (tokenizer.files) is missing: nothing to seal; re-export the model.`, {
        context: { file: path.join(absolute, file), field: 'tokenizer.files' },
      });
    }
    const expected = recorded[file];
    if (typeof expected === 'string') {
      if (actual !== expected) throw mismatch(absolute, file, `provenance.files.${file}`, expected, actual);
      files.push(`${file}: verified against provenance.files`);
    } else {
      files.push(`${file}: no sha256 recorded by the exporter, sealed as found`);
    }
    tokenizerRefs.push({ file, sha256: actual });
  }
  // The raw object, not the schema's output: keys the schema does not know are kept (and sealed).
  const tokenizer = { ...(raw.tokenizer as Record<string, unknown>), files: tokenizerRefs };
  const sealed = sealManifest({ ...raw, formatVersion: 2, tokenizer });
  const temporary = `${manifestFile}.${process.pid}.seal`;
  await writeFile(temporary, `${JSON.stringify(sealed, null, 2)}\n`);
  await rename(temporary, manifestFile);
  return { manifest: manifestFile, outcome: 'sealed', manifestSha256: String(sealed.manifestSha256), files };
}

function mismatch(directory: string, file: string, field: string, expected: string, actual: string): ZsreError {
  return new ZsreError(
    'MODEL_CHECKSUM',
    `${path.join(directory, file)} does not match ${field} (sha256 ${actual}, expected ${expected}): the directory is ` +
      'corrupt, so it is not sealed; restore the file from the original export or re-export the model.',
    { context: { file: path.join(directory, file), field, expected, actual } },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
