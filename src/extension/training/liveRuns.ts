/**
 * Runs started or followed in this window, with the checkpoints each has
 * written so far (checkpointSnapshots.ts), for the Jobs view. A run stays
 * listed after it ends, so its checkpoints can still be opened and diffed.
 * No 'vscode' import.
 */
import type { RunName } from '../../protocol/training.js';
import { CheckpointSnapshots, type Snapshot } from './checkpointSnapshots.js';

/** How often a running run's folder is looked at for a new checkpoint. */
const POLL_MS = 1000;

export interface LiveRun {
  dir: string;
  title: string;
  engine: string;
  state: 'running' | 'ended';
  checkpoints: Snapshot[];
}

export class LiveRuns {
  private readonly runs = new Map<string, { run: LiveRun; snapshots: CheckpointSnapshots; timer?: ReturnType<typeof setInterval>; polling?: Promise<void> }>();
  private readonly listeners = new Set<() => void>();

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  list(): LiveRun[] {
    return [...this.runs.values()].map((e) => e.run);
  }

  get(dir: string): LiveRun | undefined {
    return this.runs.get(dir)?.run;
  }

  /** Starts watching `dir` for checkpoints of `runs`. */
  watch(dir: string, title: string, engine: string, runs: readonly RunName[]): void {
    this.stop(dir);
    const entry = { run: { dir, title, engine, state: 'running' as LiveRun['state'], checkpoints: [] as Snapshot[] }, snapshots: new CheckpointSnapshots(dir, runs) } as {
      run: LiveRun; snapshots: CheckpointSnapshots; timer?: ReturnType<typeof setInterval>; polling?: Promise<void>;
    };
    this.runs.set(dir, entry);
    entry.timer = setInterval(() => void this.poll(dir), POLL_MS);
    this.changed();
  }

  /** One last look (the final checkpoint is written just before the run ends), then stop. */
  async end(dir: string): Promise<void> {
    const e = this.runs.get(dir);
    if (!e) return;
    if (e.timer) clearInterval(e.timer);
    e.timer = undefined;
    await e.polling;
    await this.poll(dir);
    e.run.state = 'ended';
    this.changed();
  }

  /** Stops looking, once any look under way is over (before a cancelled run's files are removed). */
  async halt(dir: string): Promise<void> {
    const e = this.runs.get(dir);
    if (!e) return;
    this.stop(dir);
    e.timer = undefined;
    await e.polling;
    e.run.state = 'ended';
    this.changed();
  }

  /** The run's folder is gone (a cancelled run): forget it. */
  remove(dir: string): void {
    this.stop(dir);
    this.runs.delete(dir);
    this.changed();
  }

  dispose(): void {
    for (const dir of this.runs.keys()) this.stop(dir);
  }

  private stop(dir: string): void {
    const e = this.runs.get(dir);
    if (e?.timer) clearInterval(e.timer);
  }

  private poll(dir: string): Promise<void> {
    const e = this.runs.get(dir);
    if (!e) return Promise.resolve();
    if (e.polling) return e.polling;
    e.polling = e.snapshots
      .poll()
      .then((added) => {
        if (added.length === 0) return;
        e.run.checkpoints = [...e.snapshots.snapshots].sort((a, b) => a.run.localeCompare(b.run) || a.step - b.step);
        this.changed();
      })
      .catch(() => undefined)
      .finally(() => {
        e.polling = undefined;
      });
    return e.polling;
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}
