import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZsreError } from '../errors.js';
import type { Precision } from '../schemas.js';
import { type Manifest, manifestSchema } from './manifest.js';

/**
 * Hub model ids ("org/name") for online users: the directory's files are downloaded once into
 * `<cacheDir>/hub/org--name/` and then loaded like any local model directory, so checksums are
 * verified by the same code. A complete earlier download is reused without the network (delete
 * the folder to fetch a newer revision). Not exercised by the test suite: no hub is reachable there.
 */

const hubIdPattern = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** A string is a hub id when no such local path exists and it has the "org/name" shape. */
export async function isHubId(model: string): Promise<boolean> {
  if (!hubIdPattern.test(model)) return false;
  return !(await exists(model));
}

export async function downloadHubModel(id: string, precision: Precision, cacheDir: string, withCrossEncoder: boolean): Promise<string> {
  const target = path.join(cacheDir, 'hub', id.replace('/', '--'));
  const cached = await readFile(path.join(target, 'manifest.json'), 'utf8').catch(() => null);
  if (cached !== null) {
    const manifest = manifestSchema.safeParse(JSON.parse(cached) as unknown);
    if (manifest.success && (await allExist(target, neededFiles(manifest.data, precision, withCrossEncoder)))) return target;
  }
  const base = `https://huggingface.co/${id}/resolve/main/`;
  const manifestBytes = await fetchFile(base, 'manifest.json', id);
  const parsed = manifestSchema.safeParse(JSON.parse(new TextDecoder().decode(manifestBytes)) as unknown);
  if (!parsed.success) {
    throw new ZsreError('MODEL_INVALID', `The manifest.json of hub model "${id}" is not a zsre model manifest: check the model id.`, {
      cause: parsed.error,
      context: { id },
    });
  }
  for (const file of neededFiles(parsed.data, precision, withCrossEncoder)) {
    if (await exists(path.join(target, file))) continue;
    await saveAtomically(path.join(target, file), await fetchFile(base, file, id));
  }
  // The manifest goes last: a folder with a manifest holds a complete download.
  await saveAtomically(path.join(target, 'manifest.json'), manifestBytes);
  return target;
}

function neededFiles(manifest: Manifest, precision: Precision, withCrossEncoder: boolean): string[] {
  const graphs = withCrossEncoder ? [manifest.graphs.biEncoder, manifest.graphs.crossEncoder] : [manifest.graphs.biEncoder];
  return [...manifest.tokenizer.files, ...graphs.flatMap((graph) => (graph.files[precision] ? [graph.files[precision].file] : []))];
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null)) !== null;
}

async function allExist(directory: string, files: readonly string[]): Promise<boolean> {
  const found = await Promise.all(files.map((file) => exists(path.join(directory, file))));
  return found.every(Boolean);
}

async function fetchFile(base: string, file: string, id: string): Promise<Uint8Array> {
  const response = await fetch(base + file).catch((cause: unknown) => {
    throw new ZsreError('MODEL_NOT_FOUND', `Could not reach the model hub for "${id}": check the network, or pass a local model directory.`, {
      cause,
      context: { id, file },
    });
  });
  if (!response.ok) {
    throw new ZsreError(
      'MODEL_NOT_FOUND',
      `The hub answered ${response.status} for ${file} of "${id}": check the model id, or pass a local model directory.`,
      { context: { id, file, status: response.status } },
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function saveAtomically(file: string, data: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.download`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}
