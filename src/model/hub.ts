import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZsreError } from '../errors.js';
import type { Precision } from '../schemas.js';
import { manifestSchema } from './manifest.js';

/**
 * Hub model ids ("org/name") for online users: the directory's files are downloaded once into
 * `<cacheDir>/hub/org--name/` and then loaded like any local model directory (so checksums are
 * verified by the same code). Not exercised by the test suite: no hub is reachable there.
 */

const hubIdPattern = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** A string is a hub id when no such local path exists and it has the "org/name" shape. */
export async function isHubId(model: string): Promise<boolean> {
  if (!hubIdPattern.test(model)) return false;
  return (await stat(model).catch(() => null)) === null;
}

export async function downloadHubModel(id: string, precision: Precision, cacheDir: string, withCrossEncoder: boolean): Promise<string> {
  const target = path.join(cacheDir, 'hub', id.replace('/', '--'));
  await mkdir(target, { recursive: true });
  const base = `https://huggingface.co/${id}/resolve/main/`;
  const manifestBytes = await fetchFile(base, 'manifest.json', id);
  const manifest = manifestSchema.parse(JSON.parse(new TextDecoder().decode(manifestBytes)));
  const files = [...manifest.tokenizer.files];
  const graphs = withCrossEncoder ? [manifest.graphs.biEncoder, manifest.graphs.crossEncoder] : [manifest.graphs.biEncoder];
  for (const graph of graphs) {
    const ref = graph.files[precision];
    if (ref !== undefined) files.push(ref.file);
  }
  for (const file of files) {
    if ((await stat(path.join(target, file)).catch(() => null)) !== null) continue;
    await saveAtomically(path.join(target, file), await fetchFile(base, file, id));
  }
  // The manifest goes last: a directory with a manifest is a complete download.
  await saveAtomically(path.join(target, 'manifest.json'), manifestBytes);
  return target;
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
