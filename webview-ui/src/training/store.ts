/** Every metric point received, per run, and the chart series derived from them. */
import type { EvalPoint, MetricName, MetricPoint, RunName } from '../../../src/protocol/training.js';
import { decimate, type XY } from './decimate.js';

export interface ChartSeries {
  name: string;
  points: XY[];
  colorIndex?: number;
}

interface RunData {
  train: Array<{ step: number; loss: number; lr: number }>;
  evals: EvalPoint[];
}

export const RUN_LABEL: Record<RunName, string> = { bitnet: 'BitNet b1.58', fp: 'full precision' };
const RUN_COLOR: Record<RunName, number> = { bitnet: 0, fp: 1 };
/** Overlaid runs take the colours after the own runs' two and the layers' use of the rest. */
const OVERLAY_COLORS = [3, 5, 7, 9, 4, 6];

/** Another run drawn over this panel's own (same charts, its own colour and legend name). */
interface OverlayRun {
  label: string;
  run: RunName;
  data: RunData;
}

export class MetricsStore {
  readonly runs = new Map<RunName, RunData>();
  readonly overlays: OverlayRun[] = [];
  /** Legend names when the runs are not BitNet vs full precision (an external trainer's log). */
  labels: Partial<Record<RunName, string>> = {};
  metricName: MetricName = 'accuracy';
  totalPoints = 0;

  add(run: RunName, points: readonly MetricPoint[]): void {
    let r = this.runs.get(run);
    if (!r) {
      r = { train: [], evals: [] };
      this.runs.set(run, r);
    }
    this.totalPoints += addPoints(r, points);
    const last = [...points].reverse().find((p) => p.kind === 'eval');
    if (last?.kind === 'eval') this.metricName = last.metricName;
  }

  addOverlay(label: string, run: RunName, points: readonly MetricPoint[]): void {
    let o = this.overlays.find((x) => x.label === label && x.run === run);
    if (!o) this.overlays.push((o = { label, run, data: { train: [], evals: [] } }));
    addPoints(o.data, points);
  }

  /** The followed source started over. Overlays are other runs: they stay. */
  clear(): void {
    this.runs.clear();
    this.totalPoints = 0;
  }

  runLabel(run: RunName): string {
    return this.labels[run] ?? RUN_LABEL[run];
  }

  lastStep(): number {
    let s = 0;
    for (const r of this.runs.values()) {
      const t = r.train[r.train.length - 1]?.step ?? 0;
      const e = r.evals[r.evals.length - 1]?.step ?? 0;
      s = Math.max(s, t, e);
    }
    return s;
  }

  private perRun(pick: (r: RunData) => XY[], buckets: number, suffix = ''): ChartSeries[] {
    const out: ChartSeries[] = [];
    for (const run of ['bitnet', 'fp'] as const) {
      const r = this.runs.get(run);
      if (r) out.push({ name: this.runLabel(run) + suffix, points: decimate(pick(r), buckets), colorIndex: RUN_COLOR[run] });
    }
    this.overlays.forEach((o, i) => {
      out.push({ name: `${RUN_LABEL[o.run]} · ${o.label}`, points: decimate(pick(o.data), buckets), colorIndex: OVERLAY_COLORS[i % OVERLAY_COLORS.length] });
    });
    return out;
  }

  trainLoss(buckets: number): ChartSeries[] {
    // Runs without train points (old metrics files) fall back to the eval-time train loss.
    return this.perRun((r) => (r.train.length > 0 ? r.train.map((p) => ({ x: p.step, y: p.loss })) : r.evals.filter((e) => e.trainLoss !== null).map((e) => ({ x: e.step, y: e.trainLoss! }))), buckets);
  }

  valLoss(buckets: number): ChartSeries[] {
    return this.perRun((r) => r.evals.map((e) => ({ x: e.step, y: e.valLoss })), buckets);
  }

  valMetric(buckets: number): ChartSeries[] {
    const scale = this.metricName === 'accuracy' ? 100 : 1;
    return this.perRun((r) => r.evals.map((e) => ({ x: e.step, y: e.valMetric * scale })), buckets);
  }

  lr(buckets: number): ChartSeries[] {
    return this.perRun((r) => (r.train.length > 0 ? r.train.map((p) => ({ x: p.step, y: p.lr })) : r.evals.map((e) => ({ x: e.step, y: e.lr }))), buckets);
  }

  /** One series per BitLinear layer of the BitNet run. */
  layers(field: 'sparsity' | 'gamma' | 'flipRate', buckets: number, run: RunName = 'bitnet'): ChartSeries[] {
    const r = this.runs.get(run);
    if (!r) return [];
    const names: string[] = [];
    for (const e of r.evals) for (const l of e.layers) if (!names.includes(l.name)) names.push(l.name);
    return names.map((name, i) => ({
      name: shortLayerName(name),
      colorIndex: (i + 2) % 10, // 0 and 1 are the runs' colours
      points: decimate(
        r.evals.flatMap((e) => {
          const l = e.layers.find((x) => x.name === name);
          const v = l ? l[field] : null;
          return v === null || v === undefined ? [] : [{ x: e.step, y: field === 'gamma' ? v : 100 * v }];
        }),
        buckets,
      ),
    }));
  }
}

/** "model.layers.1.self_attn.q_proj.weight" → "1.q_proj"; "layers.0.weight" → "layer 0". */
export function shortLayerName(name: string): string {
  const m = /layers\.(\d+)\.(?:[a-z_]+\.)?([a-z_]+)\.weight$/.exec(name);
  if (m) return `${m[1]}.${m[2]}`;
  const k = /layers\.(\d+)\.weight$/.exec(name);
  return k ? `layer ${k[1]}` : name.replace(/\.weight$/, '');
}

/** Appends metric points to a run's data; returns how many were kept (unknown kinds are skipped). */
function addPoints(r: RunData, points: readonly MetricPoint[]): number {
  let n = 0;
  for (const p of points) {
    if (p.kind === 'train') r.train.push({ step: p.step, loss: p.loss, lr: p.lr });
    else if (p.kind === 'eval') r.evals.push(p);
    else continue;
    n++;
  }
  return n;
}
