import type { LabelIndexProgress } from '../labels/labelIndex.js';
/**
 * A progress display on stderr: done/total, percentage, rate and ETA. On a terminal it redraws
 * one line in place (at most 10 times a second); when stderr is a file or pipe (CI logs,
 * `2> log`) carriage returns would pile up, so it prints a plain line every few seconds.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when the stream is not a TTY. */
  plainIntervalSeconds?: number;
  now?: () => number;
}

export interface Progress {
  /** Adds finished units of work. */
  advance(count: number): void;
  /** Prints a message without garbling the bar. */
  log(message: string): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const isTty = stream.isTTY === true;
  const plainIntervalMs = (options.plainIntervalSeconds ?? 5) * 1000;
  const redrawIntervalMs = 100;
  const started = now();
  let done = 0;
  let lastDraw = -Infinity;
  let barVisible = false;
  // Plain mode: the count of the last line printed, so that finish() after a last advance that
  // already printed the final state (a short job's first line) does not print it twice.
  let lastPrintedDone: number | null = null;

  const render = (): string => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const total = Math.max(options.total, 0);
    const fraction = total > 0 ? Math.min(done / total, 1) : 1;
    const eta = rate > 0 && done < total ? formatDuration((total - done) / rate) : done >= total ? '0s' : '?';
    const bar = isTty ? `[${'#'.repeat(Math.round(fraction * 20)).padEnd(20, '-')}] ` : '';
    return `${options.label} ${bar}${done}/${total} (${(100 * fraction).toFixed(1)}%) ${rate.toFixed(1)}/s ETA ${eta}`;
  };

  const draw = (force: boolean): void => {
    const time = now();
    if (isTty) {
      if (!force && time - lastDraw < redrawIntervalMs) return;
      // A pseudo-terminal without a size reports 0 columns.
      const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
      stream.write(`\r${render().slice(0, columns - 1)}\u001b[K`);
      barVisible = true;
    } else {
      if (!force && time - lastDraw < plainIntervalMs) return;
      if (force && lastPrintedDone === done) return;
      stream.write(`${render()}\n`);
      lastPrintedDone = done;
    }
    lastDraw = time;
  };

  return {
    advance(count) {
      done += count;
      draw(false);
    },
    log(message) {
      if (isTty && barVisible) {
        stream.write('\r\u001b[K');
        barVisible = false;
      }
      stream.write(`${message}\n`);
      if (isTty) draw(true);
    },
    finish() {
      draw(true);
      if (isTty) stream.write('\n');
      barVisible = false;
    },
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * The CLI's display of a label-index build (extract and index): one progress line per stage,
 * shown only when the index is built rather than read from the cache. Building the built-in
 * Wikidata set's index takes about 40 s, which without it looks like a hang.
 */
export function labelIndexProgress(stream?: NodeJS.WriteStream): (event: LabelIndexProgress) => void {
  const labels: Record<LabelIndexProgress['stage'], string> = {
    encode: 'label index: encoding relation descriptions',
    hnsw: 'label index: building the HNSW graph',
  };
  let current: { stage: LabelIndexProgress['stage']; progress: Progress; done: number } | null = null;
  return (event) => {
    if (current?.stage !== event.stage) {
      current?.progress.finish();
      const progress = createProgress({ total: event.total, label: labels[event.stage], ...(stream === undefined ? {} : { stream }) });
      current = { stage: event.stage, progress, done: 0 };
    }
    current.progress.advance(event.done - current.done);
    current.done = event.done;
    if (event.done >= event.total) {
      current.progress.finish();
      current = null;
    }
  };
}
