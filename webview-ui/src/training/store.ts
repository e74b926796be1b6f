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

export class MetricsStore {
  readonly runs = new Map<RunName, RunData>();
  metricName: MetricName = 'accuracy';
  totalPoints = 0;

  add(run: RunName, points: readonly MetricPoint[]): void {
    let r = this.runs.get(run);
    if (!r) {
      r = { train: [], evals: [] };
      this.runs.set(run, r);
    }
    for (const p of points) {
      if (p.kind === 'train') r.train.push({ step: p.step, loss: p.loss, lr: p.lr });
      else if (p.kind === 'eval') {
        r.evals.push(p);
        this.metricName = p.metricName;
      } else continue;
      this.totalPoints++;
    }
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
      if (r) out.push({ name: RUN_LABEL[run] + suffix, points: decimate(pick(r), buckets), colorIndex: RUN_COLOR[run] });
    }
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
