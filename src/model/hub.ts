import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZsreError } from '../errors.js';
import type { Precision } from '../schemas.js';
import { verifyManifestDigest } from './integrity.js';
import { type Manifest, manifestSchema, tokenizerFileRefs } from './manifest.js';

/**
 * Hub model ids ("org/name") for online users: the directory's files are downloaded once into
 * `<cacheDir>/hub/org--name/` and then loaded like any local model directory, so checksums are
 * verified by the same code. A complete earlier download is reused without the network (delete
 * the folder to fetch a newer revision). Each file whose sha256 the manifest lists (all of them in
 * format 2) is checked as it arrives, so a bad download is refused before it is saved. Not exercised by the test suite: no hub is reachable there.
 */

const hubIdPattern = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/**
 * A string is a hub id when it has the "org/name" shape and no such local path exists, nor a
 * local folder named like its "org" part: "models/zsre-minilm-l6-generl" beside a models/ folder
 * is a mistyped local path, to be reported as such, not sent to the hub as a request.
 */
export async function isHubId(model: string): Promise<boolean> {
  if (!hubIdPattern.test(model)) return false;
  if (await exists(model)) return false;
  const org = model.slice(0, model.indexOf('/'));
  return !(await stat(org).catch(() => null))?.isDirectory();
}

export async function downloadHubModel(id: string, precision: Precision, cacheDir: string, withCrossEncoder: boolean): Promise<string> {
  const target = path.join(cacheDir, 'hub', id.replace('/', '--'));
  const cached = await readFile(path.join(target, 'manifest.json'), 'utf8').catch(() => null);
  if (cached !== null) {
    const manifest = manifestSchema.safeParse(JSON.parse(cached) as unknown);
    if (manifest.success && (await allExist(target, neededFiles(manifest.data, precision, withCrossEncoder).map((ref) => ref.file)))) return target;
  }
  const base = `https://huggingface.co/${id}/resolve/main/`;
  const manifestBytes = await fetchFile(base, 'manifest.json', id);
  const raw = JSON.parse(new TextDecoder().decode(manifestBytes)) as unknown;
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ZsreError('MODEL_INVALID', `The manifest.json of hub model "${id}" is not a zsre model manifest: check the model id.`, {
      cause: parsed.error,
      context: { id },
    });
  }
  // The file hashes below are only as good as the manifest that lists them.
  if (parsed.data.formatVersion === 2) verifyManifestDigest(raw as Record<string, unknown>, `manifest.json of hub model "${id}"`);
  for (const { file, sha256 } of neededFiles(parsed.data, precision, withCrossEncoder)) {
    if (await exists(path.join(target, file))) continue;
    const bytes = await fetchFile(base, file, id);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== null && actual !== sha256) {
      throw new ZsreError(
        'MODEL_CHECKSUM',
        `${file} of hub model "${id}" does not match its manifest.json (sha256 ${actual}, expected ${sha256}): ` +
          'the download is corrupt or the hub files are from different exports; retry, or pass a local model directory.',
        { context: { id, file, expected: sha256, actual } },
      );
    }
    await saveAtomically(path.join(target, file), bytes);
  }
  // The manifest goes last: a folder with a manifest holds a complete download.
  await saveAtomically(path.join(target, 'manifest.json'), manifestBytes);
  return target;
}

/** The files one run reads, with the sha256 the manifest lists (null for format-1 tokenizer files). */
function neededFiles(manifest: Manifest, precision: Precision, withCrossEncoder: boolean): { file: string; sha256: string | null }[] {
  const graphs = withCrossEncoder ? [manifest.graphs.biEncoder, manifest.graphs.crossEncoder] : [manifest.graphs.biEncoder];
  return [...tokenizerFileRefs(manifest), ...graphs.flatMap((graph) => (graph.files[precision] ? [graph.files[precision]] : []))];
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
