/**
 * A progress bar on stderr for `bitnet-lab` commands. It stays silent for
 * work that finishes within a second, redraws at most ~10 times a second on
 * a TTY, and prints a sparse line every few seconds when stderr is a pipe
 * (CI logs), so stdout stays clean for --json.
 */
import { formatBytes } from '../core/format.js';
import type { ProgressEvent, ProgressFn } from '../core/progress.js';
import type { CliIo } from './command.js';

const SHOW_AFTER_MS = 1000;
const TTY_INTERVAL_MS = 100;
const PIPE_INTERVAL_MS = 5000;
const WIDTH = 28;

/** How the work under the bar ended; by default 'cancelled' once Ctrl-C fired, else 'finished'. */
export type BarOutcome = 'finished' | 'cancelled' | 'failed';

export interface ProgressBar {
  update: ProgressFn;
  /**
   * Clear the bar (TTY) so the next output starts on a clean line. On a pipe
   * print the last line: 100 % when finished, "cancelled at N %" when Ctrl-C
   * stopped the work (never a 100 % the work did not reach), nothing extra on
   * failure (the error line follows).
   */
  done(outcome?: BarOutcome): void;
}

export function createProgressBar(io: CliIo, title: string, now: () => number = Date.now): ProgressBar {
  const started = now();
  let lastDraw = 0;
  let drawn = false;
  let last: ProgressEvent | undefined;
  let finished = false;

  const draw = (e: ProgressEvent): void => {
    const t = now();
    if (t - started < SHOW_AFTER_MS) return;
    if (t - lastDraw < (io.interactive ? TTY_INTERVAL_MS : PIPE_INTERVAL_MS)) return;
    lastDraw = t;
    drawn = true;
    const line = formatLine(title, e, (t - started) / 1000);
    io.stderr(io.interactive ? `\r\x1b[2K${line}` : `${line}\n`);
  };

  return {
    update(e) {
      last = e;
      draw(e);
    },
    done(outcome = io.signal.aborted ? 'cancelled' : 'finished') {
      if (finished) return;
      finished = true;
      const seconds = (now() - started) / 1000;
      if (drawn && io.interactive) io.stderr('\r\x1b[2K');
      if (outcome === 'cancelled' && (drawn || seconds * 1000 >= SHOW_AFTER_MS)) io.stderr(`${cancelledLine(title, last, seconds)}\n`);
      else if (outcome === 'finished' && drawn && last && !io.interactive) io.stderr(`${formatLine(title, { ...last, done: last.total }, seconds)}\n`);
    },
  };
}

export function cancelledLine(title: string, e: ProgressEvent | undefined, seconds: number): string {
  const at = e && e.total > 0 ? ` at ${(Math.min(1, e.done / e.total) * 100).toFixed(0)}%` : '';
  return `${title} cancelled${at} after ${seconds.toFixed(1)} s`;
}

export function formatLine(title: string, e: ProgressEvent, seconds: number): string {
  const fraction = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
  const filled = Math.round(fraction * WIDTH);
  const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
  const amount = e.unit === 'bytes' ? `${formatBytes(e.done)}/${formatBytes(e.total)}` : `${e.done}/${e.total} ${e.unit}`;
  const rate = e.unit === 'bytes' && seconds > 0 ? ` ${formatBytes(e.done / seconds)}/s` : '';
  return `${title} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${amount}${rate} ${e.label}`.slice(0, 160);
}
