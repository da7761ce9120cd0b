import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ZsreError } from '../errors.js';
import type { Precision } from '../schemas.js';
import { noticeUnverifiedModel, verifyManifestDigest } from './integrity.js';
import { type GraphName, type Manifest, tokenizerFileRefs } from './manifest.js';
import { checkManifestObject, checksumError, invalidManifest, parseManifest } from './validateManifest.js';

/** A file of the model directory, hashed (and, where the manifest lists a sha256, verified). */
export interface ModelFile {
  path: string;
  sha256: string;
}

/** A validated model directory: its manifest and the verified files one run of `precision` reads. */
export interface ModelDirectory {
  directory: string;
  manifest: Manifest;
  precision: Precision;
  graphs: Record<GraphName, ModelFile | null>;
  /** The tokenizer files in manifest order, with their sha256 (also for format 1, which lists none). */
  tokenizerFiles: (ModelFile & { file: string })[];
  /** False for a format-1 directory: its manifest and tokenizer files could not be checked. */
  verified: boolean;
}

/**
 * Reads and checks a model directory: the manifest's own digest (format 2) and schema, then the
 * sha256 of every file this run reads (the tokenizer files; the graphs of `precision`, the
 * cross-encoder only when it is used). Everything a user can get wrong fails here, before any
 * session is created and before the tokenizer library opens a file.
 */
export async function loadModelDirectory(
  directory: string,
  precision: Precision,
  needs: { crossEncoder: boolean },
): Promise<ModelDirectory> {
  const absolute = path.resolve(directory);
  const info = await stat(absolute).catch(() => null);
  if (info === null || !info.isDirectory()) {
    throw new ZsreError(
      'MODEL_NOT_FOUND',
      `Model directory ${absolute} does not exist${info === null ? '' : ' (it is a file)'}: pass \`model\` as the path ` +
        `of a directory that holds manifest.json, or leave it out to use the default model.${info === null ? await nearbyModels(absolute) : ''}`,
      { context: { directory: absolute } },
    );
  }
  const manifest = await readManifest(absolute);
  const graphs: ModelDirectory['graphs'] = { biEncoder: null, crossEncoder: null };
  const wanted: GraphName[] = needs.crossEncoder ? ['biEncoder', 'crossEncoder'] : ['biEncoder'];
  const [tokenizerFiles] = await Promise.all([
    Promise.all(tokenizerFileRefs(manifest).map((ref, index) => verifyTokenizerFile(absolute, ref, index))),
    ...wanted.map(async (name) => {
      graphs[name] = await verifyGraphFile(absolute, manifest, name, precision);
    }),
  ]);
  const verified = manifest.formatVersion >= 2;
  if (!verified) noticeUnverifiedModel(absolute);
  return { directory: absolute, manifest, precision, graphs, tokenizerFiles, verified };
}

export async function readManifest(directory: string): Promise<Manifest> {
  const file = path.join(directory, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ZsreError(
      'MODEL_INVALID',
      `${file} is missing or unreadable: a model directory needs the manifest.json the exporter writes ` +
        '(python -m zsre_train.export); re-export or re-download the model.',
      { cause, context: { file } },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ZsreError('MODEL_INVALID', `${file} is not valid JSON (${(cause as Error).message}): re-export or re-download the model.`, {
      cause,
      context: { file },
    });
  }
  const record = checkManifestObject(raw, file);
  if (record.formatVersion !== 1) verifyManifestDigest(record, file);
  return parseManifest(record, file);
}

async function verifyTokenizerFile(
  directory: string,
  ref: { file: string; sha256: string | null },
  index: number,
): Promise<ModelFile & { file: string }> {
  const file = path.join(directory, ref.file);
  const field = `tokenizer.files.${index}`;
  const actual = await sha256File(file).catch(() => {
    throw invalid(directory, `tokenizer.files lists ${ref.file}, which is missing from the directory`, field);
  });
  if (ref.sha256 !== null && actual !== ref.sha256) throw checksumError(file, field, ref.sha256, actual);
  return { file: ref.file, path: file, sha256: actual };
}

async function verifyGraphFile(directory: string, manifest: Manifest, graph: GraphName, precision: Precision): Promise<ModelFile> {
  const ref = manifest.graphs[graph].files[precision];
  const other: Precision = precision === 'int8' ? 'fp32' : 'int8';
  if (ref === undefined) {
    throw invalid(
      directory,
      `graphs.${graph}.files has no ${precision} entry (load with precision '${other}' if the model ships it)`,
      `graphs.${graph}.files.${precision}`,
    );
  }
  const file = path.join(directory, ref.file);
  const actual = await sha256File(file).catch((cause: unknown) => {
    throw new ZsreError(
      'MODEL_INVALID',
      `${file} (graphs.${graph}.files.${precision} in manifest.json) is missing: re-download the model, ` +
        `or load with precision '${other}' if only that precision was shipped.`,
      { cause, context: { file, field: `graphs.${graph}.files.${precision}` } },
    );
  });
  if (actual !== ref.sha256) throw checksumError(file, `graphs.${graph}.files.${precision}`, ref.sha256, actual);
  return { path: file, sha256: actual };
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (data) => hash.update(data))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function invalid(directory: string, problem: string, field: string): ZsreError {
  return invalidManifest(path.join(directory, 'manifest.json'), problem, field);
}

/** For a mistyped path: the model directories beside where it points, so the typo shows. */
async function nearbyModels(missing: string): Promise<string> {
  const parent = path.dirname(missing);
  const names = await readdir(parent, { withFileTypes: true }).catch(() => null);
  if (names === null) return ` Its folder ${parent} does not exist either.`;
  const models: string[] = [];
  for (const entry of names) {
    if (entry.isDirectory() && (await stat(path.join(parent, entry.name, 'manifest.json')).catch(() => null)) !== null) models.push(entry.name);
  }
  if (models.length === 0) return '';
  const shown = models.sort().slice(0, 5).join(', ');
  return ` Model directories in ${parent}: ${shown}${models.length > 5 ? ', ...' : ''}.`;
}
