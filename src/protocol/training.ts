/**
 * Training metrics on their way to the training-curves webview. The metric
 * types themselves belong to the engine (src/core/nn/metricTypes.ts).
 */

import * as v from 'valibot';
import type { EvalPoint, LayerPoint, MetricName, MetricPoint, RunName, TrainPoint } from '../core/nn/metricTypes.js';
import { anyNumber, exactly, picklistOf, type Matches } from './schema.js';

export type { EvalPoint, LayerPoint, MetricName, MetricPoint, MetricsLine, RunName, TrainPoint } from '../core/nn/metricTypes.js';

// Schemas of the engine's metric types, checked against them so the compiler keeps the two in step.
export const RunNameSchema: v.GenericSchema<RunName> = picklistOf<RunName>()(['bitnet', 'fp']);
export const MetricNameSchema: v.GenericSchema<MetricName> = picklistOf<MetricName>()(['accuracy', 'perplexity']);

const LayerPointSchema = exactly<LayerPoint>()(v.strictObject({
  name: v.string(),
  sparsity: anyNumber,
  gamma: anyNumber,
  flipRate: v.nullable(anyNumber),
}));

// `satisfies`, not an annotation: the variant below needs the object schemas' entries.
const TrainPointSchema = v.strictObject({ kind: v.literal('train'), step: v.number(), loss: anyNumber, lr: anyNumber, wd: anyNumber }) satisfies v.GenericSchema<TrainPoint>;

const EvalPointSchema = v.strictObject({
  kind: v.literal('eval'),
  step: v.number(),
  trainLoss: v.nullable(anyNumber),
  valLoss: anyNumber,
  valMetric: anyNumber,
  metricName: MetricNameSchema,
  lr: anyNumber,
  wd: anyNumber,
  seconds: anyNumber,
  layers: v.array(LayerPointSchema),
}) satisfies v.GenericSchema<EvalPoint>;

true satisfies Matches<typeof TrainPointSchema, TrainPoint>;
true satisfies Matches<typeof EvalPointSchema, EvalPoint>;

/** Annotated with the engine's types, so the compiler keeps the two in step. */
export const MetricPointSchema: v.GenericSchema<MetricPoint> = v.variant('kind', [TrainPointSchema, EvalPointSchema]);


// ---------------------------------------------------------------- host → training panel

export type TrainingPanelEvent =
  | { type: 'init'; title: string; metricName: MetricName; runs: RunName[]; totalSteps: number; config?: unknown }
  | { type: 'metrics'; run: RunName; points: MetricPoint[] }
  | { type: 'status'; state: 'running' | 'done' | 'cancelled' | 'error'; message?: string; checkpoints?: Partial<Record<RunName, string>> }
  /** Fine-tune: quality before (post-training ternary quantization) and after QAT. */
  | { type: 'finetune'; metricName: MetricName; before: { fpValLoss: number; fpMetric: number; ptqValLoss: number; ptqMetric: number }; after?: { valLoss: number; metric: number } };

// ---------------------------------------------------------------- training panel → host

export const TrainingPanelRequestSchema = v.variant('type', [
  v.strictObject({ type: v.literal('ready') }),
  v.strictObject({ type: v.literal('cancel') }),
  v.strictObject({ type: v.literal('openCheckpoint'), run: RunNameSchema }),
]);
export type TrainingPanelRequest = v.InferOutput<typeof TrainingPanelRequestSchema>;

/** Validated on receipt (the page is untrusted); malformed requests are ignored. */
export function isTrainingPanelRequest(m: unknown): m is TrainingPanelRequest {
  return v.is(TrainingPanelRequestSchema, m);
}
