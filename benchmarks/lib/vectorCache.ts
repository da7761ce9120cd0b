/**
 * Bi-encoder vectors a benchmark computed, kept on disk so that a rerun (another rule, another
 * setting) skips the encoding, which is most of its time. An entry is keyed by everything the
 * vectors depend on: the graph's sha256, the model's input settings and the inputs themselves;
 * anything else reads as a miss. The folder is .zsre-cache/ (ignored by git); delete it freely.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function createVectorCache(folder: string, identity: unknown): <T>(inputs: readonly T[], encode: (inputs: readonly T[]) => Promise<Float32Array[]>) => Promise<Float32Array[]> {
  mkdirSync(folder, { recursive: true });
  const base = JSON.stringify(identity);
  return async (inputs, encode) => {
    const key = createHash('sha256').update(base).update('\n').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
    const file = join(folder, `${key}.f32`);
    if (existsSync(file)) {
      const bytes = readFileSync(file);
      const count = bytes.readUInt32LE(0);
      const dim = bytes.readUInt32LE(4);
      if (count === inputs.length && bytes.length === 8 + count * dim * 4) {
        const flat = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8, bytes.byteOffset + bytes.length));
        return Array.from({ length: count }, (_, row) => flat.slice(row * dim, (row + 1) * dim));
      }
    }
    const vectors = await encode(inputs);
    const dim = vectors[0]?.length ?? 0;
    const out = Buffer.alloc(8 + vectors.length * dim * 4);
    out.writeUInt32LE(vectors.length, 0);
    out.writeUInt32LE(dim, 4);
    vectors.forEach((vector, row) => Buffer.from(vector.buffer, vector.byteOffset, dim * 4).copy(out, 8 + row * dim * 4));
    // Written whole, then renamed: an interrupted run leaves no half entry behind.
    writeFileSync(`${file}.partial-${process.pid}`, out);
    renameSync(`${file}.partial-${process.pid}`, file);
    return vectors;
  };
}
