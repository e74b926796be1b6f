/**
 * Training metrics on the host: every point received (so a panel that is
 * reopened or reloaded gets the whole curve again) and the points not yet
 * forwarded to the panel. The panel is fed from `takePending()` on a timer,
 * so however fast the job streams, the webview gets a bounded number of
 * messages. A 100k-step run logging every 10 steps keeps ~10k small objects
 * per run here; the page decimates for display. No 'vscode' import.
 */
import type { MetricPoint, RunName } from '../../protocol/training.js';

export class MetricsBuffer {
  private readonly all = new Map<RunName, MetricPoint[]>();
  private pending = new Map<RunName, MetricPoint[]>();

  add(run: RunName, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    let a = this.all.get(run);
    if (!a) this.all.set(run, (a = []));
    let p = this.pending.get(run);
    if (!p) this.pending.set(run, (p = []));
    for (const x of points) {
      a.push(x);
      p.push(x);
    }
  }

  /** Forget everything (the followed file started over). */
  clear(): void {
    this.all.clear();
    this.pending = new Map();
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** One batch per run with everything not yet forwarded, in arrival order. */
  takePending(): Array<{ run: RunName; points: MetricPoint[] }> {
    const out = [...this.pending].map(([run, points]) => ({ run, points }));
    this.pending = new Map();
    return out;
  }

  /** Everything so far (a fresh page), and nothing left pending. */
  replay(): Array<{ run: RunName; points: MetricPoint[] }> {
    this.pending = new Map();
    return [...this.all].map(([run, points]) => ({ run, points: points.slice() }));
  }

  lastStep(): number {
    let s = 0;
    for (const pts of this.all.values()) for (const p of pts) s = Math.max(s, p.step);
    return s;
  }
}
