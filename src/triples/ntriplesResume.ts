import { createReadStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';

/**
 * Resume for N-Triples output. After the triples of each input line the CLI writes a comment
 * `# zsre-line {"line":n,...}` (comments are part of N-Triples, so every parser skips them).
 * A killed run can only leave a partial batch after the last complete marker; everything after
 * that marker is cut away, and the lines named by the markers are skipped on the rerun.
 */
export const lineMarkerPrefix = '# zsre-line ';

export interface LineMarker {
  line: number;
  id?: string;
  /** The error code when the input line failed (no triples were written for it). */
  error?: string;
}

export function lineMarker(marker: LineMarker): string {
  return `${lineMarkerPrefix}${JSON.stringify(marker)}\n`;
}

export interface MarkerScan {
  done: Map<number, string | undefined>;
  errorLines: number;
  keptBytes: number;
  removedBytes: number;
}

const NEWLINE = 0x0a;

export async function scanLineMarkers(path: string): Promise<MarkerScan> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { done: new Map(), errorLines: 0, keptBytes: 0, removedBytes: 0 };
    throw error;
  }
  const done = new Map<number, string | undefined>();
  let errorLines = 0;
  let keptBytes = 0;
  let offset = 0;
  let pending: Buffer[] = [];
  const stream = createReadStream(path);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
        pending.push(chunk.subarray(start, index));
        const bytes = Buffer.concat(pending);
        pending = [];
        offset += bytes.length + 1;
        start = index + 1;
        const marker = parseMarker(bytes.toString('utf8'));
        if (marker === null) continue;
        done.set(marker.line, marker.id);
        if (marker.error !== undefined) errorLines += 1;
        keptBytes = offset;
      }
      pending.push(chunk.subarray(start));
    }
  } finally {
    stream.destroy();
  }
  if (keptBytes < size) await truncate(path, keptBytes);
  return { done, errorLines, keptBytes, removedBytes: size - keptBytes };
}

function parseMarker(text: string): LineMarker | null {
  if (!text.startsWith(lineMarkerPrefix)) return null;
  try {
    const value = JSON.parse(text.slice(lineMarkerPrefix.length)) as Partial<LineMarker>;
    if (typeof value.line !== 'number' || !Number.isInteger(value.line) || value.line < 1) return null;
    return {
      line: value.line,
      ...(typeof value.id === 'string' ? { id: value.id } : {}),
      ...(typeof value.error === 'string' ? { error: value.error } : {}),
    };
  } catch {
    return null;
  }
}
