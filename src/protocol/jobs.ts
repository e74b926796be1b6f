/**
 * Messages between the extension host and the job process (a forked Node
 * child that owns tfjs and every heavy engine call). One discriminated union
 * per direction. The channel uses `serialization: 'advanced'` (structured
 * clone), so typed arrays and ArrayBuffers cross it unchanged.
 */
import type { CheckpointReport, TensorReport } from '../core/analysis/report.js';
import type { ProgressEvent } from '../core/progress.js';
import type { QuantMethod } from '../core/quant/types.js';
import type { EvalJobRequest, EvalJobValue, GenerateJobRequest, GenerateJobValue, TextMessage } from './models.js';
import type { MetricName, MetricPoint, RunName } from './training.js';

export interface AnalyzeJobSettings {
  method: QuantMethod;
  include: string[];
  exclude: string[];
  /** Backend preference as in the `bitnetLab.backend` setting. */
  backend: string;
  bins?: number;
  /** Restrict the analysis to these tensor names (e.g. one tensor re-analysed). */
  only?: string[];
}

/** What the host can ask for. Kinds after 'analyze' call engine modules that may be absent in a build. */
export type JobRequest =
  /** Header only; `settings` decide which tensors count as quantized. */
  | { kind: 'open'; path: string; settings?: AnalyzeJobSettings }
  | { kind: 'analyze'; path: string; settings: AnalyzeJobSettings }
  | { kind: 'quantize'; input: string; output: string; options: Record<string, unknown> }
  | { kind: 'compare'; path: string; options: Record<string, unknown> }
  | { kind: 'energy'; path?: string; options: Record<string, unknown> }
  | { kind: 'diff'; a: string; b: string; options: Record<string, unknown> }
  | { kind: 'train'; options: Record<string, unknown> }
  | { kind: 'finetune'; path: string; options: Record<string, unknown> }
  /** Read a finished training run's folder back (metrics.jsonl + run.json) to show its curves again. */
  | { kind: 'runMetrics'; dir: string }
  /** Real models (src/core/model): perplexity and per-layer error on a text; a continuation of a prompt. */
  | EvalJobRequest
  | GenerateJobRequest;

export type JobKind = JobRequest['kind'];

export const JOB_KINDS: readonly JobKind[] = ['open', 'analyze', 'quantize', 'compare', 'energy', 'diff', 'train', 'finetune', 'runMetrics', 'eval', 'generate'];

/** Quality of a checkpoint before quantization-aware fine-tuning (full precision and post-training ternary). */
export interface FinetuneBefore {
  metricName: MetricName;
  fpValLoss: number;
  fpMetric: number;
  ptqValLoss: number;
  ptqMetric: number;
}

export type JobResult =
  /** `files`: every file the checkpoint reads (the index and its shards), for cache stamps. */
  | { kind: 'open'; report: CheckpointReport; files: string[] }
  | { kind: 'analyze'; report: CheckpointReport }
  /** Engine-defined plain data (a comparison table, an energy report, a training summary …). */
  | { kind: 'eval'; value: EvalJobValue }
  | { kind: 'generate'; value: GenerateJobValue }
  | { kind: Exclude<JobKind, 'open' | 'analyze' | 'eval' | 'generate'>; value: unknown };

/** Why a job failed, as plain data (Error objects do not survive IPC with their class). */
export interface JobFailure {
  /**
   * A BitnetLabError code, or 'unavailable' (this build lacks the engine
   * module), 'crash' (the job process died), 'internal' (an unexpected exception).
   */
  code: string;
  /** Full user-facing message: place and reason. */
  message: string;
  reason: string;
  place?: { file?: string; tensor?: string; offset?: number };
}

// ---------------------------------------------------------------- host → job process

export type HostToJob =
  | { type: 'start'; id: number; request: JobRequest }
  | { type: 'cancel'; id: number };

// ---------------------------------------------------------------- job process → host

export type JobToHost =
  /** Sent once when the process is up and listening. */
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; event: ProgressEvent }
  /** Per-tensor results of an analysis as they complete, batched by the job process. */
  | { type: 'tensors'; id: number; tensors: TensorReport[] }
  /**
   * Training metric points as the loop produces them (train and fine-tune
   * jobs). The trainer already batches them (at most every 250 ms per run,
   * plus each evaluation), so the pipe carries a few messages a second.
   */
  | { type: 'metrics'; id: number; run: RunName; points: MetricPoint[] }
  /** Fine-tune: the quality before QAT, once measured. */
  | { type: 'finetuneBefore'; id: number; before: FinetuneBefore }
  /** Generate: new text as it is made. */
  | TextMessage
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'error'; id: number; failure: JobFailure };

/** Shallow structural check of a message from the child (it is our own code, but a crash can garble a pipe). */
export function isJobToHost(raw: unknown): raw is JobToHost {
  if (typeof raw !== 'object' || raw === null) return false;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return typeof m.pid === 'number';
    case 'progress':
      return typeof m.id === 'number' && typeof m.event === 'object' && m.event !== null;
    case 'tensors':
      return typeof m.id === 'number' && Array.isArray(m.tensors);
    case 'metrics':
      return typeof m.id === 'number' && (m.run === 'bitnet' || m.run === 'fp') && Array.isArray(m.points);
    case 'finetuneBefore':
      return typeof m.id === 'number' && typeof m.before === 'object' && m.before !== null;
    case 'text':
      return typeof m.id === 'number' && typeof m.text === 'string' && typeof m.tokens === 'number';
    case 'result':
      return typeof m.id === 'number' && typeof m.result === 'object' && m.result !== null;
    case 'error':
      return typeof m.id === 'number' && typeof m.failure === 'object' && m.failure !== null;
    default:
      return false;
  }
}

export function isHostToJob(raw: unknown): raw is HostToJob {
  if (typeof raw !== 'object' || raw === null) return false;
  const m = raw as Record<string, unknown>;
  if (m.type === 'cancel') return typeof m.id === 'number';
  if (m.type !== 'start' || typeof m.id !== 'number') return false;
  const r = m.request as Record<string, unknown> | undefined;
  return typeof r === 'object' && r !== null && (JOB_KINDS as readonly unknown[]).includes(r.kind);
}
