/**
 * Turns the updates of a followed run folder (core/runs/follow.ts) into what
 * the training panel takes: points to append per run, or a reset first.
 * Our metrics.jsonl arrives as points already. TensorBoard scalars become
 * points only all together (a point's learning rate is the latest "lr"
 * scalar at or before its step), so they are converted whole each time and
 * only what extends the points already sent goes out; anything else resets.
 * No 'vscode' import.
 */
import { scalarsToPoints } from '../../core/runs/externalMetrics.js';
import type { RunUpdate } from '../../core/runs/follow.js';
import type { ScalarRecord } from '../../core/runs/tfevents.js';
import type { MetricPoint, RunName } from '../../protocol/training.js';

/** External logs have no BitNet / full-precision pair: their points go under this run name. */
export const EXTERNAL_RUN: RunName = 'bitnet';

export interface PanelUpdate {
  reset: boolean;
  add: Array<{ run: RunName; points: MetricPoint[] }>;
  /** What the update came from (null: nothing yet). */
  source: 'metrics' | 'events' | null;
}

const same = (a: MetricPoint, b: MetricPoint): boolean => JSON.stringify(a) === JSON.stringify(b);

export class FollowedPoints {
  private scalars: ScalarRecord[] = [];
  private sent: MetricPoint[] = [];

  apply(u: RunUpdate): PanelUpdate {
    const metrics = Object.entries(u.points) as Array<[RunName, MetricPoint[]]>;
    if (metrics.length > 0 || (u.restarted && u.scalars.length === 0 && this.scalars.length === 0)) {
      return { reset: u.restarted, add: metrics.filter(([, p]) => p.length > 0).map(([run, points]) => ({ run, points })), source: 'metrics' };
    }
    if (u.restarted) this.scalars = [];
    this.scalars.push(...u.scalars);
    const all = scalarsToPoints(this.scalars);
    const extends_ = !u.restarted && this.sent.length <= all.length && this.sent.every((p, i) => same(p, all[i]!));
    const fresh = extends_ ? all.slice(this.sent.length) : all;
    const reset = !extends_ && this.sent.length > 0;
    this.sent = all;
    return { reset: reset || u.restarted, add: fresh.length > 0 ? [{ run: EXTERNAL_RUN, points: fresh }] : [], source: u.scalars.length > 0 || this.scalars.length > 0 ? 'events' : null };
  }
}
