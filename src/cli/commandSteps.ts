/**
 * Steps the analysis commands share: open a checkpoint and close it whatever
 * happens, and run work under a stderr progress bar that is cleared before
 * the command prints its result.
 */
import { isBitnetLabError } from '../core/errors.js';
import { openCheckpoint } from '../core/formats/open.js';
import type { CheckpointSource } from '../core/formats/types.js';
import type { ProgressFn } from '../core/progress.js';
import { unmatchedPatternWarnings } from '../core/quant/selection.js';
import type { CliIo } from './command.js';
import { createProgressBar } from './progressBar.js';

export async function withCheckpoint<T>(path: string, use: (source: CheckpointSource) => Promise<T>): Promise<T> {
  const source = await openCheckpoint(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

/** The bar is cleared when `work` settles (done() is idempotent), so stdout output starts on a clean line. */
export async function withProgressBar<T>(io: CliIo, title: string, work: (onProgress: ProgressFn) => Promise<T>): Promise<T> {
  const bar = createProgressBar(io, title);
  try {
    const result = await work(bar.update);
    bar.done('finished');
    return result;
  } catch (e) {
    bar.done(isBitnetLabError(e) && e.code === 'cancelled' ? 'cancelled' : 'failed');
    throw e;
  }
}

/**
 * `warning: --exclude foo matches no tensor of this checkpoint` on stderr for
 * each pattern that selects nothing: a typo otherwise silently leaves the run
 * doing what the user did not ask.
 */
export function warnUnmatchedPatterns(io: CliIo, names: Iterable<string>, selection: { include?: readonly string[]; exclude?: readonly string[] }): void {
  if ((selection.include?.length ?? 0) + (selection.exclude?.length ?? 0) === 0) return;
  for (const w of unmatchedPatternWarnings(names, selection)) io.stderr(`warning: ${w}\n`);
}
