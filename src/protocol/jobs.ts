/**
 * Messages between the extension host and the job process (a forked Node
 * child that owns tfjs and every heavy engine call). One discriminated union
 * per direction, declared once as valibot schemas: the schema types each
 * message (v.InferOutput) and checks it on receipt, nested fields and job
 * options included (strict objects: an unknown key is an error). The channel
 * uses `serialization: 'advanced'` (structured clone), so typed arrays and
 * ArrayBuffers cross it unchanged.
 */
import * as v from 'valibot';
import { AnalyzeJobSettingsSchema, CompareOptionsSchema, DiffOptionsSchema, EnergyOptionsSchema, FinetuneOptionsSchema, QuantizeOptionsSchema, TrainOptionsSchema } from './jobOptions.js';
import { EvalJobRequestSchema, EvalJobValueSchema, GenerateJobRequestSchema, GenerateJobValueSchema, TextMessageSchema } from './models.js';
import { CheckpointDiffSchema, CheckpointEnergyReportSchema, ComparisonReportSchema, FinetuneResultSchema, QuantizeSummarySchema, TrainJobValueSchema } from './engineResultSchemas.js';
import { CheckpointReportSchema, ProgressEventSchema, TensorReportSchema } from './reportSchemas.js';
import { anyNumber, id, parseMessage, type Parsed } from './schema.js';
import { MetricNameSchema, MetricPointSchema, RunNameSchema } from './training.js';

export type { AnalyzeJobSettings } from './jobOptions.js';
export type { TrainJobValue } from './engineResultSchemas.js';

const path = v.pipe(v.string(), v.minLength(1));

/** What the host can ask for. Kinds after 'analyze' call engine modules that may be absent in a build. */
export const JobRequestSchema = v.variant('kind', [
  /** Header only; `settings` decide which tensors count as quantized. */
  v.strictObject({ kind: v.literal('open'), path, settings: v.optional(AnalyzeJobSettingsSchema) }),
  v.strictObject({ kind: v.literal('analyze'), path, settings: AnalyzeJobSettingsSchema }),
  v.strictObject({ kind: v.literal('quantize'), input: path, output: path, options: QuantizeOptionsSchema }),
  v.strictObject({ kind: v.literal('compare'), path, options: CompareOptionsSchema }),
  v.strictObject({ kind: v.literal('energy'), path: v.optional(path), options: EnergyOptionsSchema }),
  v.strictObject({ kind: v.literal('diff'), a: path, b: path, options: DiffOptionsSchema }),
  v.strictObject({ kind: v.literal('train'), options: TrainOptionsSchema }),
  v.strictObject({ kind: v.literal('finetune'), path, options: FinetuneOptionsSchema }),
  /** Real models (src/core/model): perplexity and per-layer error on a text; a continuation of a prompt. */
  EvalJobRequestSchema,
  GenerateJobRequestSchema,
]);
export type JobRequest = v.InferOutput<typeof JobRequestSchema>;

export type JobKind = JobRequest['kind'];

export const JOB_KINDS: readonly JobKind[] = JobRequestSchema.options.map((o) => o.entries.kind.literal);

/** Quality of a checkpoint before quantization-aware fine-tuning (full precision and post-training ternary). */
export const FinetuneBeforeSchema = v.strictObject({
  metricName: MetricNameSchema,
  fpValLoss: anyNumber,
  fpMetric: anyNumber,
  ptqValLoss: anyNumber,
  ptqMetric: anyNumber,
});
export type FinetuneBefore = v.InferOutput<typeof FinetuneBeforeSchema>;

export const JobResultSchema = v.variant('kind', [
  /** `files`: every file the checkpoint reads (the index and its shards), for cache stamps. */
  v.strictObject({ kind: v.literal('open'), report: CheckpointReportSchema, files: v.array(v.string()) }),
  v.strictObject({ kind: v.literal('analyze'), report: CheckpointReportSchema }),
  /** Engine jobs: each value checked against its core type's schema (engineResultSchemas.ts). */
  v.strictObject({ kind: v.literal('quantize'), value: QuantizeSummarySchema }),
  v.strictObject({ kind: v.literal('compare'), value: ComparisonReportSchema }),
  v.strictObject({ kind: v.literal('energy'), value: CheckpointEnergyReportSchema }),
  v.strictObject({ kind: v.literal('diff'), value: CheckpointDiffSchema }),
  v.strictObject({ kind: v.literal('train'), value: TrainJobValueSchema }),
  v.strictObject({ kind: v.literal('finetune'), value: FinetuneResultSchema }),
  v.strictObject({ kind: v.literal('eval'), value: EvalJobValueSchema }),
  v.strictObject({ kind: v.literal('generate'), value: GenerateJobValueSchema }),
]);
export type JobResult = v.InferOutput<typeof JobResultSchema>;

/** Each kind's result, by kind: an indexed access keeps a caller generic in the kind typed, where Extract would not. */
export type JobResultByKind = { [R in JobResult as R['kind']]: R };
export type JobResultOf<K extends JobKind> = JobResultByKind[K];
/** Kinds whose result is a `value` (the engine jobs; open and analyze answer with a report). */
export type EngineJobKind = Exclude<JobKind, 'open' | 'analyze'>;
export type JobValueOf<K extends EngineJobKind> = JobResultByKind[K]['value'];

// Every request kind has its result variant and every result its request kind (checked by the compiler).
true satisfies [JobKind] extends [JobResult['kind']] ? ([JobResult['kind']] extends [JobKind] ? true : never) : never;

/** Why a job failed, as plain data (Error objects do not survive IPC with their class). */
export const JobFailureSchema = v.strictObject({
  /**
   * A BitnetLabError code, or 'unavailable' (this build lacks the engine
   * module), 'crash' (the job process died), 'internal' (an unexpected exception).
   */
  code: v.string(),
  /** Full user-facing message: place and reason. */
  message: v.string(),
  reason: v.string(),
  place: v.optional(v.strictObject({ file: v.optional(v.string()), tensor: v.optional(v.string()), offset: v.optional(v.number()) })),
});
export type JobFailure = v.InferOutput<typeof JobFailureSchema>;

// ---------------------------------------------------------------- host → job process

export const HostToJobSchema = v.variant('type', [
  v.strictObject({ type: v.literal('start'), id, request: JobRequestSchema }),
  v.strictObject({ type: v.literal('cancel'), id }),
]);
export type HostToJob = v.InferOutput<typeof HostToJobSchema>;

// ---------------------------------------------------------------- job process → host

export const JobToHostSchema = v.variant('type', [
  /** Sent once when the process is up and listening. */
  v.strictObject({ type: v.literal('ready'), pid: v.number() }),
  v.strictObject({ type: v.literal('progress'), id, event: ProgressEventSchema }),
  /** Per-tensor results of an analysis as they complete, batched by the job process. */
  v.strictObject({ type: v.literal('tensors'), id, tensors: v.array(TensorReportSchema) }),
  /**
   * Training metric points as the loop produces them (train and fine-tune
   * jobs). The trainer already batches them (at most every 250 ms per run,
   * plus each evaluation), so the pipe carries a few messages a second.
   */
  v.strictObject({ type: v.literal('metrics'), id, run: RunNameSchema, points: v.array(MetricPointSchema) }),
  /** Fine-tune: the quality before QAT, once measured. */
  v.strictObject({ type: v.literal('finetuneBefore'), id, before: FinetuneBeforeSchema }),
  /** Generate: new text as it is made. */
  TextMessageSchema,
  v.strictObject({ type: v.literal('result'), id, result: JobResultSchema }),
  v.strictObject({ type: v.literal('error'), id, failure: JobFailureSchema }),
]);
export type JobToHost = v.InferOutput<typeof JobToHostSchema>;

/** Check a message from the job process (our own code, but a crash or a version skew can garble it). */
export function parseJobToHost(raw: unknown): Parsed<JobToHost> {
  return parseMessage(JobToHostSchema, raw, 'from the job process');
}

/** Check a message from the host, requests and their options included. */
export function parseHostToJob(raw: unknown): Parsed<HostToJob> {
  return parseMessage(HostToJobSchema, raw, 'from the host');
}

export function isJobToHost(raw: unknown): raw is JobToHost {
  return v.is(JobToHostSchema, raw);
}

export function isHostToJob(raw: unknown): raw is HostToJob {
  return v.is(HostToJobSchema, raw);
}
