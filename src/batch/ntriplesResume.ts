import { keepCompletedLines } from './completedLines.js';
import { lineTwice } from './resume.js';

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

export async function scanLineMarkers(path: string): Promise<MarkerScan> {
  const done = new Map<number, string | undefined>();
  let errorLines = 0;
  // Triples between markers are kept only up to the last complete marker.
  const { keptBytes, removedBytes } = await keepCompletedLines(path, (text) => {
    const marker = parseMarker(text);
    if (marker === null) return 'other';
    if (done.has(marker.line)) throw lineTwice(path, marker.line, 'line markers');
    done.set(marker.line, marker.id);
    if (marker.error !== undefined) errorLines += 1;
    return 'record';
  });
  return { done, errorLines, keptBytes, removedBytes };
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
