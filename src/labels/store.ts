import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * On-disk persistence of description vectors under `<cacheDir>/labels/<fingerprint>.vectors`:
 *   "ZSREVEC1" | uint32 header length | header JSON | zero padding to 4 bytes | float32 rows.
 * The header repeats the fingerprint and carries the sha256 of the rows, so a renamed, truncated
 * or bit-flipped file is detected and treated as absent. Writes go to a temporary file that is
 * renamed into place, so a crash or a concurrent reader never sees half a file.
 */

const magic = 'ZSREVEC1';

interface VectorHeader {
  fingerprint: string;
  count: number;
  dim: number;
  sha256: string;
}

export function vectorsPath(cacheDir: string, fingerprint: string): string {
  return path.join(cacheDir, 'labels', `${fingerprint}.vectors`);
}

export function hnswPath(cacheDir: string, fingerprint: string): string {
  return path.join(cacheDir, 'labels', `${fingerprint}.hnsw`);
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function asBytes(vectors: Float32Array): Uint8Array {
  return new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
}

export function encodeVectors(fingerprint: string, dim: number, vectors: Float32Array): Buffer {
  const header: VectorHeader = { fingerprint, count: vectors.length / dim, dim, sha256: sha256(asBytes(vectors)) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = magic.length + 4 + json.length;
  const padding = (4 - (prefix % 4)) % 4;
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([Buffer.from(magic, 'ascii'), length, json, Buffer.alloc(padding), asBytes(vectors)]);
}

/** The rows, or null when the bytes are not a valid file for this fingerprint and dimension. */
export function decodeVectors(bytes: Buffer, fingerprint: string, dim: number): Float32Array | null {
  if (bytes.length < magic.length + 4 || bytes.toString('ascii', 0, magic.length) !== magic) return null;
  const jsonLength = bytes.readUInt32LE(magic.length);
  const jsonStart = magic.length + 4;
  if (jsonStart + jsonLength > bytes.length) return null;
  let header: Partial<VectorHeader>;
  try {
    header = JSON.parse(bytes.toString('utf8', jsonStart, jsonStart + jsonLength)) as Partial<VectorHeader>;
  } catch {
    return null;
  }
  if (header.fingerprint !== fingerprint || header.dim !== dim || typeof header.count !== 'number') return null;
  const prefix = jsonStart + jsonLength;
  const dataStart = prefix + ((4 - (prefix % 4)) % 4);
  const byteLength = header.count * dim * 4;
  if (bytes.length !== dataStart + byteLength) return null;
  // Copy into a fresh, aligned buffer (the file buffer's offset need not be a multiple of 4).
  const vectors = new Float32Array(header.count * dim);
  asBytes(vectors).set(bytes.subarray(dataStart, dataStart + byteLength));
  return sha256(asBytes(vectors)) === header.sha256 ? vectors : null;
}

export async function readVectors(cacheDir: string, fingerprint: string, dim: number): Promise<Float32Array | null> {
  const bytes = await readFile(vectorsPath(cacheDir, fingerprint)).catch(() => null);
  return bytes === null ? null : decodeVectors(bytes, fingerprint, dim);
}

export async function writeVectors(cacheDir: string, fingerprint: string, dim: number, vectors: Float32Array): Promise<void> {
  await writeAtomically(vectorsPath(cacheDir, fingerprint), (temporary) => writeFile(temporary, encodeVectors(fingerprint, dim, vectors)));
}

/** Runs `write(temporaryPath)` then renames the result to `file`; removes the temporary on failure. */
export async function writeAtomically(file: string, write: (temporary: string) => Promise<unknown>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await write(temporary);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** sha256 of a file's bytes, or null when it cannot be read. */
export async function fileSha256(file: string): Promise<string | null> {
  const bytes = await readFile(file).catch(() => null);
  return bytes === null ? null : sha256(bytes);
}
