/**
 * Training metrics as they travel from the training loop (job process or CLI)
 * to metrics.jsonl and to the training-curves webview. Plain JSON data only.
 */

export type RunName = 'bitnet' | 'fp';
export type MetricName = 'accuracy' | 'perplexity';

/** Ternary statistics of one BitLinear weight at an evaluation. */
export interface LayerPoint {
  name: string;
  /** Share of zero codes. */
  sparsity: number;
  /** Quantization scale (γ for absmean). */
  gamma: number;
  /** Share of codes that changed since the previous evaluation (null at the first). */
  flipRate: number | null;
}

/** Cheap point logged every few steps: the running training loss. */
export interface TrainPoint {
  kind: 'train';
  step: number;
  /** Mean training loss over the steps since the previous train point (nats). */
  loss: number;
  lr: number;
  wd: number;
}

/** Full evaluation on the validation set. */
export interface EvalPoint {
  kind: 'eval';
  step: number;
  /** Mean training loss since the previous evaluation (null at the starting evaluation). */
  trainLoss: number | null;
  valLoss: number;
  valMetric: number;
  metricName: MetricName;
  lr: number;
  wd: number;
  /** Wall-clock seconds this run has spent training so far. */
  seconds: number;
  /**
   * Ternary statistics of the quantized layers. For the FP run these describe
   * what post-training absmean quantization would give at that moment.
   */
  layers: LayerPoint[];
}

export type MetricPoint = TrainPoint | EvalPoint;

/** One line of metrics.jsonl. */
export type MetricsLine = MetricPoint & { run: RunName };

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
