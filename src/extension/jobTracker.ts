/**
 * The list behind the Jobs view: every job the user started, running or
 * finished, with its status and a way to cancel it. Kept apart from the tree
 * provider so the bookkeeping is testable without VS Code.
 */
export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface TrackedJob {
  id: number;
  kind: string;
  /** What it works on, e.g. the checkpoint's file name. */
  label: string;
  status: JobStatus;
  startedAt: number;
  endedAt?: number;
  /** Last progress, 0..1, while running. */
  fraction?: number;
  progressLabel?: string;
  /** Outcome line: a summary when done, the error when failed. */
  message?: string;
  cancel?: () => void;
}

export class JobTracker {
  private readonly jobs: TrackedJob[] = [];
  private nextId = 1;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly keepFinished = 50, private readonly now: () => number = Date.now) {}

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Newest first. */
  list(): readonly TrackedJob[] {
    return [...this.jobs].reverse();
  }

  get(id: number): TrackedJob | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  add(kind: string, label: string, cancel?: () => void): TrackedJob {
    const job: TrackedJob = { id: this.nextId++, kind, label, status: 'running', startedAt: this.now(), cancel };
    this.jobs.push(job);
    this.trim();
    this.changed();
    return job;
  }

  progress(id: number, done: number, total: number, label?: string): void {
    const job = this.get(id);
    if (!job || job.status !== 'running') return;
    job.fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : undefined;
    job.progressLabel = label;
    this.changed();
  }

  finish(id: number, status: Exclude<JobStatus, 'running'>, message?: string): void {
    const job = this.get(id);
    if (!job || job.status !== 'running') return;
    job.status = status;
    job.endedAt = this.now();
    job.message = message;
    job.cancel = undefined;
    job.fraction = undefined;
    this.trim();
    this.changed();
  }

  cancel(id: number): boolean {
    const job = this.get(id);
    if (!job || job.status !== 'running' || !job.cancel) return false;
    job.cancel();
    return true;
  }

  /** Forget the oldest finished jobs beyond the limit; running ones always stay. */
  private trim(): void {
    let finished = this.jobs.filter((j) => j.status !== 'running').length;
    for (let i = 0; i < this.jobs.length && finished > this.keepFinished; ) {
      if (this.jobs[i]!.status !== 'running') {
        this.jobs.splice(i, 1);
        finished--;
      } else i++;
    }
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
