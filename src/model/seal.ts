import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZsreError } from '../errors.js';
import { manifestDigest, sealManifest, verifyManifestDigest } from './integrity.js';
import { sha256File } from './loadModel.js';
import { type GraphName, type GraphSpec, manifestV1Schema, manifestV2Schema } from './manifest.js';

/**
 * Migrates a format-1 model directory to format 2 in place (scripts/seal-model.ts is its command):
 * lists each tokenizer file's sha256 and seals the manifest with its digest. It seals only what it
 * could check, so a corrupted directory is never blessed: every listed graph file that is present
 * must match its sha256, and each tokenizer file must match the sha256 the exporter recorded in
 * `provenance.files` where it recorded one. Only manifest.json changes; no other byte is written.
 * With `reseal`, a format-2 manifest edited on purpose (say a fusion parameter set by hand) is
 * sealed again, after every listed file present has been checked against the sha256 it lists.
 */
export interface SealReport {
  manifest: string;
  /** 'sealed': migrated now; 'resealed': format 2 sealed again; 'already-sealed': its digest holds. */
  outcome: 'sealed' | 'resealed' | 'already-sealed';
  manifestSha256: string;
  /** One line per file: verified, absent (its listed sha256 kept), or taken as found. */
  files: string[];
}

export async function sealModelDirectory(directory: string, options: { reseal?: boolean } = {}): Promise<SealReport> {
  const absolute = path.resolve(directory);
  const manifestFile = path.join(absolute, 'manifest.json');
  const raw = await readFile(manifestFile, 'utf8')
    .then((text) => JSON.parse(text) as Record<string, unknown>)
    .catch((cause: unknown) => {
      throw new ZsreError('MODEL_INVALID', `${manifestFile} is missing or not JSON: nothing to seal.`, { cause, context: { file: manifestFile } });
    });
  if (raw.formatVersion === 2) {
    if (!options.reseal || manifestDigest(raw) === raw.manifestSha256) {
      verifyManifestDigest(raw, manifestFile);
      return { manifest: manifestFile, outcome: 'already-sealed', manifestSha256: String(raw.manifestSha256), files: [] };
    }
    return reseal(absolute, manifestFile, raw);
  }
  const parsed = manifestV1Schema.safeParse(raw);
  if (!parsed.success) throw notSealable(manifestFile, 1, parsed.error);
  const v1 = parsed.data;
  const files = await verifyGraphs(absolute, v1.graphs);
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
  const sealed = await writeSealed(manifestFile, { ...raw, formatVersion: 2, tokenizer });
  return { manifest: manifestFile, outcome: 'sealed', manifestSha256: sealed, files };
}

async function reseal(directory: string, manifestFile: string, raw: Record<string, unknown>): Promise<SealReport> {
  const parsed = manifestV2Schema.safeParse(raw);
  if (!parsed.success) throw notSealable(manifestFile, 2, parsed.error);
  const files = await verifyGraphs(directory, parsed.data.graphs);
  for (const [index, ref] of parsed.data.tokenizer.files.entries()) {
    const actual = await sha256File(path.join(directory, ref.file)).catch(() => null);
    if (actual !== ref.sha256) throw mismatch(directory, ref.file, `tokenizer.files.${index}`, ref.sha256, actual ?? '(missing)');
    files.push(`${ref.file}: verified`);
  }
  return { manifest: manifestFile, outcome: 'resealed', manifestSha256: await writeSealed(manifestFile, raw), files };
}

/** Every listed graph file that is present must match; each graph needs one present precision. */
async function verifyGraphs(directory: string, graphs: Record<GraphName, GraphSpec>): Promise<string[]> {
  const files: string[] = [];
  for (const graph of ['biEncoder', 'crossEncoder'] as GraphName[]) {
    let present = 0;
    for (const [precision, ref] of Object.entries(graphs[graph].files)) {
      if (ref === undefined) continue;
      const actual = await sha256File(path.join(directory, ref.file)).catch(() => null);
      if (actual === null) {
        files.push(`${ref.file}: absent (graphs.${graph}.files.${precision}; its listed sha256 is kept)`);
        continue;
      }
      if (actual !== ref.sha256) throw mismatch(directory, ref.file, `graphs.${graph}.files.${precision}`, ref.sha256, actual);
      present += 1;
      files.push(`${ref.file}: verified`);
    }
    if (present === 0) {
      throw new ZsreError('MODEL_INVALID', `${directory} holds no graph file of graphs.${graph}: nothing to seal; re-export the model.`, {
        context: { directory, field: `graphs.${graph}.files` },
      });
    }
  }
  return files;
}

async function writeSealed(manifestFile: string, raw: Record<string, unknown>): Promise<string> {
  const sealed = sealManifest(raw);
  const temporary = `${manifestFile}.${process.pid}.seal`;
  await writeFile(temporary, `${JSON.stringify(sealed, null, 2)}\n`);
  await rename(temporary, manifestFile);
  return String(sealed.manifestSha256);
}

function notSealable(manifestFile: string, version: 1 | 2, error: { issues: { path: PropertyKey[] }[] }): ZsreError {
  const field = error.issues[0]?.path.join('.') || '(root)';
  return new ZsreError('MODEL_INVALID', `${manifestFile}: not a valid format-${version} manifest (field "${field}"): nothing to seal.`, {
    cause: error,
    context: { file: manifestFile, field },
  });
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
