/**
 * What a killed job process leaves behind, and its removal by the host.
 *
 * Every output goes through AtomicFileWriter (src/core/formats/atomicWrite.ts):
 * a temp file `.<target name>.<pid>-<8 hex>.tmp` next to the target, renamed
 * over it only when complete. A cancel or an error removes the temp file in
 * the job process; a SIGKILL or an out-of-memory cannot, so the host, which
 * knows the dead process's pid, sweeps that process's temp files from the
 * folders the failed job wrote to. The pid in the name keeps the sweep from
 * touching the temp file of a writer that is still alive (another process,
 * or the restarted one). Targets themselves are never touched: they are
 * either absent or the previous complete file.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Subfolders a job writes into (training: bitnet-ternary/), and no deeper. */
const MAX_DEPTH = 2;

/** True when `name` is a temp file the atomic writer of process `pid` created. */
export function isWriterTempOf(name: string, pid: number): boolean {
  return name.startsWith('.') && name.endsWith('.tmp') && new RegExp(`\\.${pid}-[0-9a-f]{8}\\.tmp$`).test(name);
}

/**
 * Remove the temp files of the dead job process `pid` from `folder` (and its
 * subfolders, two levels down). Returns the removed paths. A missing folder
 * or an unreadable entry is skipped: this is best-effort cleanup after a crash.
 */
export async function removeCrashedWriterTemps(folder: string, pid: number | undefined, depth = 0): Promise<string[]> {
  if (pid === undefined) return [];
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const path = join(folder, e.name);
    if (e.isFile() && isWriterTempOf(e.name, pid)) {
      try {
        await rm(path, { force: true });
        removed.push(path);
      } catch {
        // Best effort: a file we cannot remove is reported by nothing; the next sweep retries.
      }
    } else if (e.isDirectory() && depth < MAX_DEPTH) {
      removed.push(...(await removeCrashedWriterTemps(path, pid, depth + 1)));
    }
  }
  return removed;
}
