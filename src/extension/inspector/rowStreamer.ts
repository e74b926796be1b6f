/**
 * Rate-limits rows on their way to a webview: at most one 'rows' message per
 * interval and a bounded number of rows each, so a checkpoint with 10,000
 * small tensors streams as a few dozen messages and the webview's main
 * thread keeps up with scrolling.
 */
export class RowStreamer<T> {
  private queue: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSent = -Infinity;

  constructor(
    private readonly send: (rows: T[]) => void,
    private readonly intervalMs = 100,
    private readonly maxRows = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  push(rows: readonly T[]): void {
    for (const r of rows) this.queue.push(r);
    this.schedule();
  }

  /** Send everything queued now (before 'analysisDone', so the done state never precedes its rows). */
  flush(): void {
    this.clearTimer();
    while (this.queue.length > 0) this.sendBatch();
  }

  /** Drop what is queued (the analysis was restarted with other settings). */
  clear(): void {
    this.clearTimer();
    this.queue = [];
  }

  dispose(): void {
    this.clear();
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendBatch();
      this.schedule();
    }, wait);
  }

  private sendBatch(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxRows);
    this.lastSent = this.now();
    this.send(batch);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
