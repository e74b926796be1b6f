/**
 * Both engines save a run's checkpoint in place (<run>.safetensors, replaced
 * atomically at every --checkpoint-every step). To list the checkpoints of a
 * run as they are written and diff any two, each new step is kept as a copy:
 * <folder>/checkpoints/<run>-step-<N>.safetensors. The copy is made to a
 * temp name first and its step read from the copy itself, so a checkpoint
 * replaced while being copied is still named by the step it holds.
 * No 'vscode' import.
 */
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunName } from '../../protocol/training.js';

export const SNAPSHOT_FOLDER = 'checkpoints';
const STEP_KEY = 'bitnet_lab.step';
/** A safetensors header is small JSON; a larger one is not a checkpoint of ours. */
const MAX_HEADER = 16 << 20;

export interface Snapshot {
  run: RunName;
  step: number;
  path: string;
}

/** The bitnet_lab.step of a safetensors file, or null when it has none. */
export async function checkpointStep(path: string): Promise<number | null> {
  const fh = await open(path, 'r');
  try {
    const len = Buffer.alloc(8);
    await fh.read(len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE(0));
    if (n <= 0 || n > MAX_HEADER) return null;
    const head = Buffer.alloc(n);
    await fh.read(head, 0, n, 8);
    const meta = (JSON.parse(head.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__;
    const step = Number(meta?.[STEP_KEY]);
    return Number.isInteger(step) && step >= 0 ? step : null;
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

export function snapshotName(run: RunName, step: number): string {
  return `${run}-step-${String(step).padStart(6, '0')}.safetensors`;
}

export class CheckpointSnapshots {
  private readonly seen = new Map<RunName, string>();
  readonly snapshots: Snapshot[] = [];

  constructor(readonly dir: string, private readonly runs: readonly RunName[]) {}

  /** Copies what changed since the last poll; resolves to the snapshots that are new. */
  async poll(): Promise<Snapshot[]> {
    const added: Snapshot[] = [];
    for (const run of this.runs) {
      const src = join(this.dir, `${run}.safetensors`);
      let stamp: string;
      try {
        const st = await stat(src);
        stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      } catch {
        continue; // not written yet
      }
      if (this.seen.get(run) === stamp) continue;
      this.seen.set(run, stamp);
      const folder = join(this.dir, SNAPSHOT_FOLDER);
      try {
        // Not recursive: a run folder removed meanwhile (a cancelled run) must not come back.
        await mkdir(folder);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') continue;
      }
      const tmp = join(folder, `.${run}.${process.pid}.copy.tmp`);
      try {
        await copyFile(src, tmp);
      } catch {
        continue; // replaced or removed under us: the next poll sees the new file
      }
      const step = await checkpointStep(tmp);
      if (step === null || this.snapshots.some((s) => s.run === run && s.step === step)) {
        await rm(tmp, { force: true });
        continue;
      }
      const path = join(folder, snapshotName(run, step));
      await rename(tmp, path);
      const snap = { run, step, path };
      this.snapshots.push(snap);
      added.push(snap);
    }
    return added;
  }
}
