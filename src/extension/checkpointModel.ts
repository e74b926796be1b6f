/**
 * One opened checkpoint as the host knows it: the header report (from the
 * job process, at once), the per-tensor statistics as they stream in, the
 * finished report, and which analysis is running. Every view of the file —
 * inspector panels (there may be several), the checkpoints tree, the summary
 * view — listens to the same model. No 'vscode' import: unit-testable.
 */
import type { CheckpointReport, ReportTotals, TensorReport } from '../core/analysis/report.js';
import type { AnalysisSettings } from '../protocol/inspector.js';
import type { JobFailure, JobKind, JobRequest, JobResult } from '../protocol/jobs.js';
import type { JobHandlers, RunningJob } from '../jobs/client.js';
import { JobError } from '../jobs/client.js';
import { analysisCacheKey, type FileStamp, type LruCache } from './analysisCache.js';
import type { JobTracker } from './jobTracker.js';

/** The part of JobClient the model uses (a fake in tests). */
export interface JobStarter {
  start<K extends JobKind>(request: Extract<JobRequest, { kind: K }>, handlers?: JobHandlers): RunningJob<K>;
}

export interface ModelDeps {
  jobs: JobStarter;
  tracker: JobTracker;
  cache: LruCache<CheckpointReport>;
  stat: (path: string) => Promise<FileStamp>;
}

export type ModelPhase = 'opening' | 'open' | 'analyzing' | 'analyzed' | 'cancelled' | 'failed';

export type ModelEvent =
  | { type: 'header' }
  /** Statistics were cleared for a new analysis with other settings. */
  | { type: 'reset' }
  | { type: 'analysisStarted' }
  | { type: 'tensors'; tensors: TensorReport[] }
  | { type: 'progress'; done: number; total: number; label: string }
  | { type: 'done'; cached: boolean }
  | { type: 'cancelled' }
  | { type: 'error'; failure: JobFailure; phase: 'open' | 'analyze' };

export class CheckpointModel {
  header: CheckpointReport | undefined;
  files: string[] = [];
  report: CheckpointReport | undefined;
  readonly tensors = new Map<string, TensorReport>();
  phase: ModelPhase = 'opening';
  failure: JobFailure | undefined;
  settings: AnalysisSettings;
  lastCached = false;
  /** Milliseconds from open() to the header report (the inspector's time to first rows, host side). */
  openMs: number | undefined;
  /** Tracker id of the running analysis, if any. */
  trackedJob: number | undefined;

  private opening: Promise<boolean> | undefined;
  private running: RunningJob<'analyze'> | undefined;
  private latest: Promise<void> | undefined;
  private generation = 0;
  private readonly listeners = new Set<(e: ModelEvent) => void>();

  constructor(readonly path: string, readonly fileName: string, settings: AnalysisSettings, private readonly deps: ModelDeps) {
    this.settings = settings;
  }

  onEvent(listener: (e: ModelEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get totals(): ReportTotals | undefined {
    return this.report?.totals ?? this.header?.totals;
  }

  /** Tensors in checkpoint order, with statistics where computed. */
  tensorList(): TensorReport[] {
    return [...this.tensors.values()];
  }

  /** Read the header in the job process. Resolves false (and emits 'error') when the file is bad. */
  open(): Promise<boolean> {
    this.opening ??= this.doOpen();
    return this.opening;
  }

  private async doOpen(): Promise<boolean> {
    const t0 = performance.now();
    try {
      const r = await this.deps.jobs.start({ kind: 'open', path: this.path, settings: { ...this.settings } }).result;
      this.header = r.report;
      this.files = r.files;
      this.openMs = performance.now() - t0;
      this.resetTensors();
      this.phase = 'open';
      this.emit({ type: 'header' });
      return true;
    } catch (e) {
      this.fail(failureOf(e), 'open');
      // A crashed job process is not the file's fault: let the next attempt open again.
      if (e instanceof JobError && e.code === 'crash') this.opening = undefined;
      return false;
    }
  }

  /** Analyse with these settings, from the cache when the files are unchanged. A running analysis is cancelled first. */
  analyze(settings: AnalysisSettings, options: { useCache?: boolean } = {}): Promise<void> {
    const run = this.doAnalyze(settings, options);
    this.latest = run;
    return run;
  }

  /** Resolves when the latest analysis (and any that replaced it meanwhile) has finished, however it ended. */
  async whenIdle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (this.latest !== seen) {
      seen = this.latest;
      await seen;
    }
    await this.opening;
  }

  private async doAnalyze(settings: AnalysisSettings, options: { useCache?: boolean }): Promise<void> {
    if (!(await this.open())) return;
    this.cancelAnalysis();
    const generation = ++this.generation;
    const changed = JSON.stringify(settings) !== JSON.stringify(this.settings) || this.report !== undefined;
    this.settings = settings;
    this.report = undefined;
    this.failure = undefined;
    if (changed) {
      this.resetTensors();
      this.emit({ type: 'reset' });
    }

    const key = await this.cacheKey(settings);
    if (generation !== this.generation) return;
    const cached = key !== undefined && options.useCache !== false ? this.deps.cache.get(key) : undefined;
    if (cached) {
      this.applyReport(cached);
      this.lastCached = true;
      this.phase = 'analyzed';
      this.emit({ type: 'tensors', tensors: cached.tensors });
      this.emit({ type: 'done', cached: true });
      return;
    }

    this.phase = 'analyzing';
    this.lastCached = false;
    const job = this.deps.jobs.start(
      { kind: 'analyze', path: this.path, settings: { ...settings } },
      {
        onTensors: (tensors) => {
          if (generation !== this.generation) return;
          for (const t of tensors) this.tensors.set(t.name, t);
          this.emit({ type: 'tensors', tensors });
        },
        onProgress: (p) => {
          if (generation !== this.generation) return;
          this.deps.tracker.progress(tracked.id, p.done, p.total, p.label);
          this.emit({ type: 'progress', done: p.done, total: p.total, label: p.label });
        },
      },
    );
    this.running = job;
    const tracked = this.deps.tracker.add('analyze', `${this.fileName} (${settings.method})`, () => job.cancel());
    this.trackedJob = tracked.id;
    this.emit({ type: 'analysisStarted' });
    try {
      const { report } = await job.result;
      if (generation !== this.generation) return;
      this.applyReport(report);
      if (key !== undefined) this.deps.cache.set(key, report);
      this.phase = 'analyzed';
      this.deps.tracker.finish(tracked.id, 'done', `${report.totals.quantizedTensors} quantized tensors`);
      this.emit({ type: 'done', cached: false });
    } catch (e) {
      const failure = failureOf(e);
      const wasCancelled = failure.code === 'cancelled';
      this.deps.tracker.finish(tracked.id, wasCancelled ? 'cancelled' : 'failed', failure.message);
      if (generation !== this.generation) return;
      if (wasCancelled) {
        this.phase = 'cancelled';
        this.emit({ type: 'cancelled' });
      } else {
        this.fail(failure, 'analyze');
      }
    } finally {
      if (this.running === job) {
        this.running = undefined;
        this.trackedJob = undefined;
      }
    }
  }

  cancelAnalysis(): void {
    this.running?.cancel();
  }

  get analyzing(): boolean {
    return this.running !== undefined;
  }

  dispose(): void {
    this.generation++;
    this.cancelAnalysis();
    this.listeners.clear();
  }

  private async cacheKey(settings: AnalysisSettings): Promise<string | undefined> {
    try {
      const stamps = await Promise.all(this.files.map((f) => this.deps.stat(f)));
      return analysisCacheKey(stamps, settings);
    } catch {
      return undefined; // a file vanished: analyse afresh, the job will report it
    }
  }

  private applyReport(report: CheckpointReport): void {
    this.report = report;
    for (const t of report.tensors) this.tensors.set(t.name, t);
  }

  private resetTensors(): void {
    this.tensors.clear();
    for (const t of this.header?.tensors ?? []) this.tensors.set(t.name, t);
  }

  private fail(failure: JobFailure, phase: 'open' | 'analyze'): void {
    this.phase = 'failed';
    this.failure = failure;
    this.emit({ type: 'error', failure, phase });
  }

  private emit(e: ModelEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

export function failureOf(e: unknown): JobFailure {
  if (e instanceof JobError) return e.failure;
  const text = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: text, reason: text };
}

/** For callers that need the result type of a finished job. */
export type AnalyzeResult = Extract<JobResult, { kind: 'analyze' }>;
