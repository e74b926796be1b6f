/**
 * Training metrics as the training loop defines them: what it logs to
 * metrics.jsonl and streams to its listeners (the job process, the CLI).
 * Plain JSON data only; src/protocol/training.ts carries them to the webview.
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
