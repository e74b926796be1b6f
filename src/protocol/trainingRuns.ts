/**
 * The training panel's messages about where a run comes from, beyond the
 * curves themselves (training.ts): which engine trains it, the launch
 * command to copy, runs overlaid for comparison, a followed folder that
 * started over. Declared as valibot schemas: the page checks what it gets.
 */
import * as v from 'valibot';
import type { MetricPoint, RunName } from './training.js';

const RunNameSchema: v.GenericSchema<RunName> = v.picklist(['bitnet', 'fp']);
/** Points are checked where they are drawn (the store skips unknown kinds); here only their container. */
const PointsSchema = v.array(v.custom<MetricPoint>((x) => typeof x === 'object' && x !== null && 'kind' in x && 'step' in x, 'expected a metric point'));

// ---------------------------------------------------------------- host → training panel

export const RunInfoSchema = v.strictObject({
  type: v.literal('runInfo'),
  /** What the user reads first: "PyTorch torchrun · 2 ranks", "tfjs (wasm)", "TensorBoard event files". */
  engine: v.string(),
  /** The folder the curves come from. */
  folder: v.optional(v.string()),
  /** Copyable one-line launch command (torchrun runs). */
  launch: v.optional(v.string()),
  /** The run can be handed to a SLURM cluster (torchrun runs of our own). */
  slurm: v.optional(v.boolean()),
  /** The panel can stop what it shows (false for a followed folder). */
  cancellable: v.boolean(),
  /** Legend names of the runs when they are not BitNet vs full precision (an external trainer's log). */
  labels: v.optional(v.record(v.string(), v.string())),
});

export const OverlaySchema = v.strictObject({
  type: v.literal('overlay'),
  /** Shown after each run's name in the legend, e.g. "tfjs · lm-20261202-101500". */
  label: v.string(),
  run: RunNameSchema,
  points: PointsSchema,
});

/** The followed file was rewritten (a resumed run truncates metrics.jsonl): drop the curves, new points follow. */
export const ResetSchema = v.strictObject({ type: v.literal('reset') });

export const TrainingRunEventSchema = v.variant('type', [RunInfoSchema, OverlaySchema, ResetSchema]);
export type TrainingRunEvent = v.InferOutput<typeof TrainingRunEventSchema>;
export type RunInfo = v.InferOutput<typeof RunInfoSchema>;
export type Overlay = v.InferOutput<typeof OverlaySchema>;

// ---------------------------------------------------------------- training panel → host

export const TrainingRunRequestSchema = v.variant('type', [
  v.strictObject({ type: v.literal('copyLaunch') }),
  v.strictObject({ type: v.literal('slurmScript') }),
  v.strictObject({ type: v.literal('overlayRun') }),
]);
export type TrainingRunRequest = v.InferOutput<typeof TrainingRunRequestSchema>;

export function isTrainingRunRequest(m: unknown): m is TrainingRunRequest {
  return v.safeParse(TrainingRunRequestSchema, m).success;
}
