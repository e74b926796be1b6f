/**
 * Training metrics on their way to the training-curves webview. The metric
 * types themselves belong to the engine (src/core/nn/metricTypes.ts).
 */

export type { EvalPoint, LayerPoint, MetricName, MetricPoint, MetricsLine, RunName, TrainPoint } from '../core/nn/metricTypes.js';
import type { MetricName, MetricPoint, RunName } from '../core/nn/metricTypes.js';

// ---------------------------------------------------------------- host → training panel

export type TrainingPanelEvent =
  | { type: 'init'; title: string; metricName: MetricName; runs: RunName[]; totalSteps: number; config?: unknown }
  | { type: 'metrics'; run: RunName; points: MetricPoint[] }
  | { type: 'status'; state: 'running' | 'done' | 'cancelled' | 'error'; message?: string; checkpoints?: Partial<Record<RunName, string>> }
  /** Fine-tune: quality before (post-training ternary quantization) and after QAT. */
  | { type: 'finetune'; metricName: MetricName; before: { fpValLoss: number; fpMetric: number; ptqValLoss: number; ptqMetric: number }; after?: { valLoss: number; metric: number } };

// ---------------------------------------------------------------- training panel → host

export type TrainingPanelRequest = { type: 'ready' } | { type: 'cancel' } | { type: 'openCheckpoint'; run: RunName };

export function isTrainingPanelRequest(m: unknown): m is TrainingPanelRequest {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'ready' || t === 'cancel') return true;
  if (t === 'openCheckpoint') {
    const r = (m as { run?: unknown }).run;
    return r === 'bitnet' || r === 'fp';
  }
  return false;
}
