import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ZsreError } from '../errors.js';
import type { Precision } from '../schemas.js';
import { type GraphName, type Manifest, manifestSchema, optionalInputs, requiredNames } from './manifest.js';

/** A validated model directory: its manifest and the verified graph files of one precision. */
export interface ModelDirectory {
  directory: string;
  manifest: Manifest;
  precision: Precision;
  graphs: Record<GraphName, { path: string; sha256: string } | null>;
}

/**
 * Reads and checks a model directory: the manifest against its schema, then the sha256 of every
 * file this run needs (the graphs of `precision`; the cross-encoder only when it is used).
 * Everything a user can get wrong fails here, before any session is created.
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
        'of a directory that holds manifest.json, or leave it out to use the default model.',
      { context: { directory: absolute } },
    );
  }
  const manifest = await readManifest(absolute);
  const graphs: ModelDirectory['graphs'] = { biEncoder: null, crossEncoder: null };
  const wanted: GraphName[] = needs.crossEncoder ? ['biEncoder', 'crossEncoder'] : ['biEncoder'];
  await Promise.all(
    wanted.map(async (name) => {
      graphs[name] = await verifyGraphFile(absolute, manifest, name, precision);
    }),
  );
  for (const file of manifest.tokenizer.files) {
    if ((await stat(path.join(absolute, file)).catch(() => null)) === null) {
      throw invalid(absolute, `tokenizer.files lists ${file}, which is missing from the directory`, 'tokenizer.files');
    }
  }
  return { directory: absolute, manifest, precision, graphs };
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
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined ? '(root)' : issue.path.join('.') || '(root)';
    throw new ZsreError(
      'MODEL_INVALID',
      `${file}: field "${field}" ${issue?.message ?? 'is invalid'}. The manifest must follow docs/model-directory.md; ` +
        're-export the model with the current exporter.',
      { cause: parsed.error, context: { file, field } },
    );
  }
  const manifest = parsed.data;
  for (const graph of Object.keys(requiredNames) as GraphName[]) {
    for (const side of ['inputs', 'outputs'] as const) {
      const declared = new Set(manifest.graphs[graph][side].map((spec) => spec.name));
      const missing = requiredNames[graph][side].filter((name) => !declared.has(name));
      if (missing.length > 0) {
        throw invalid(directory, `graphs.${graph}.${side} lacks ${missing.join(', ')}`, `graphs.${graph}.${side}`);
      }
    }
    // An input the runtime does not know would never be fed; the optional ones come as a set.
    const known = new Set([...requiredNames[graph].inputs, ...optionalInputs[graph]]);
    const declared = manifest.graphs[graph].inputs.map((spec) => spec.name);
    const unknown = declared.filter((name) => !known.has(name));
    const optional = optionalInputs[graph].filter((name) => declared.includes(name));
    if (unknown.length > 0 || (optional.length > 0 && optional.length < optionalInputs[graph].length)) {
      const problem = unknown.length > 0 ? `has inputs this runtime cannot feed: ${unknown.join(', ')}` : `declares ${optional.join(', ')} without ${optionalInputs[graph].filter((name) => !optional.includes(name)).join(', ')}`;
      throw invalid(directory, `graphs.${graph}.inputs ${problem} (upgrade zsre, or re-export the model)`, `graphs.${graph}.inputs`);
    }
  }
  return manifest;
}

async function verifyGraphFile(
  directory: string,
  manifest: Manifest,
  graph: GraphName,
  precision: Precision,
): Promise<{ path: string; sha256: string }> {
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
  if (actual !== ref.sha256) {
    throw new ZsreError(
      'MODEL_CHECKSUM',
      `${file} does not match manifest.json (sha256 ${actual}, expected ${ref.sha256}): the file is corrupt or ` +
        'from another export; re-export the model or re-download the whole directory.',
      { context: { file, expected: ref.sha256, actual } },
    );
  }
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
  const file = path.join(directory, 'manifest.json');
  return new ZsreError('MODEL_INVALID', `${file}: ${problem}. Re-export the model so that manifest.json and its files agree.`, {
    context: { file, field },
  });
}
