/**
 * What the job process needs from the engine, as an interface, so the message
 * loop can be tested with a fake engine and the real binding (engine.ts) is
 * the only file that names engine modules.
 */
import type { CheckpointReport, TensorReport } from '../core/analysis/report.js';
import type { CheckpointSource } from '../core/formats/types.js';
import type { RunOptions } from '../core/progress.js';
import type { EngineJobKind, FinetuneBefore, JobRequest, JobValueOf } from '../protocol/jobs.js';
import type { MetricPoint, RunName } from '../protocol/training.js';
import type { AnalyzeJobSettings } from '../protocol/jobs.js';

export interface AnalyzeCall extends RunOptions {
  settings: AnalyzeJobSettings;
  /** Called once per finished tensor so the host can stream rows. */
  onTensor: (t: TensorReport) => void;
}

/** Jobs beyond open/analyze: present only when this build carries the engine module. */
export type ExtraJobKind = EngineJobKind;
/** What an engine job may stream besides progress (training metrics, generated text). */
export interface JobRunOptions extends RunOptions {
  onMetrics?: (run: RunName, points: MetricPoint[]) => void;
  onFinetuneBefore?: (before: FinetuneBefore) => void;
  /** Generate jobs: each new piece of text as it is made. */
  onText?: (piece: string) => void;
}
/** An engine job resolves to the value its result schema checks on the host (src/protocol/engineResultSchemas.ts). */
export type ExtraJob<K extends ExtraJobKind = ExtraJobKind> = (request: Extract<JobRequest, { kind: K }>, run: JobRunOptions) => Promise<JobValueOf<K>>;
export type ExtraJobs = { [K in ExtraJobKind]?: ExtraJob<K> };

export interface Engine {
  openCheckpoint(path: string): Promise<CheckpointSource>;
  headerReport(source: CheckpointSource, settings: AnalyzeJobSettings | undefined): Promise<CheckpointReport>;
  analyze(source: CheckpointSource, call: AnalyzeCall): Promise<CheckpointReport>;
  extra: ExtraJobs;
}
