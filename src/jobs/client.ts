/**
 * The host side of the job process: forks it, sends typed requests, routes
 * progress / streamed tensors / results back to the caller, and restarts the
 * child when it dies (failing the jobs it was running with a clear message).
 * Imports nothing from 'vscode' so it can be unit-tested with plain Node.
 */
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import type { TensorReport } from '../core/analysis/report.js';
import type { ProgressEvent } from '../core/progress.js';
import type { FinetuneBefore, HostToJob, JobFailure, JobKind, JobRequest, JobResult, JobResultOf } from '../protocol/jobs.js';
import type { MetricPoint, RunName } from '../protocol/training.js';
import { parseJobToHost } from '../protocol/jobs.js';
import { automaticRestartDelay, DEFAULT_RESTART_POLICY, type RestartPolicy } from './restartPolicy.js';

export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(readonly failure: JobFailure) {
    super(failure.message);
  }
  get code(): string {
    return this.failure.code;
  }
}

export interface JobHandlers {
  onProgress?: (event: ProgressEvent) => void;
  onTensors?: (tensors: TensorReport[]) => void;
  onMetrics?: (run: RunName, points: MetricPoint[]) => void;
  onFinetuneBefore?: (before: FinetuneBefore) => void;
  /** Generate jobs: text made since the previous call, and how many tokens it holds. */
  onText?: (text: string, tokens: number) => void;
}

export interface RunningJob<K extends JobKind = JobKind> {
  readonly id: number;
  readonly kind: K;
  readonly result: Promise<JobResultOf<K>>;
  cancel(): void;
  /**
   * Cancel, and if the job has not stopped after `graceMs`, kill the job
   * process to stop it (a long synchronous loop never reads the cancel
   * message). The job then fails as 'cancelled', not as a crash; other jobs
   * running at that moment fail as crashed and the process restarts.
   */
  cancelOrKill(graceMs: number): void;
}

export interface CrashInfo {
  pid: number | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Kinds of the jobs that failed because of it. */
  failedJobs: JobKind[];
  /** What happens next: restarted now / later, or waiting for the user to retry. */
  restart: 'now' | 'delayed' | 'wait-for-user';
}

export interface JobClientOptions {
  workerPath: string;
  policy?: RestartPolicy;
  log?: (line: string) => void;
  onCrash?: (info: CrashInfo) => void;
  /** Extra fork options (tests pass execArgv, e.g. for a TS loader). */
  forkOptions?: ForkOptions;
  now?: () => number;
}

interface Pending {
  kind: JobKind;
  handlers: JobHandlers;
  resolve: (r: JobResult) => void;
  reject: (e: JobError) => void;
}

export class JobClient {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private crashTimes: number[] = [];
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readyWaiters: Array<() => void> = [];
  /** Jobs whose cancellation ended in a kill: they fail as 'cancelled'. */
  private readonly forced = new Set<number>();
  private ready = false;
  /** Processes started so far (1 = never crashed). */
  spawnCount = 0;

  constructor(private readonly options: JobClientOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get runningJobs(): number {
    return this.pending.size;
  }

  /** Start the process ahead of the first request, so opening a checkpoint does not pay for the fork. */
  warmUp(): void {
    this.ensureChild();
  }

  /** Resolves once the child has said 'ready' (used by measurements and tests). */
  whenReady(): Promise<void> {
    this.ensureChild();
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  start<K extends JobKind>(request: Extract<JobRequest, { kind: K }>, handlers: JobHandlers = {}): RunningJob<K> {
    const id = this.nextId++;
    const kind = request.kind as K;
    const result = new Promise<JobResultOf<K>>((resolve, reject) => {
      if (this.disposed) {
        reject(new JobError({ code: 'cancelled', message: 'BitNet Lab is shutting down', reason: 'shutting down' }));
        return;
      }
      this.pending.set(id, { kind, handlers, resolve: resolve as (r: JobResult) => void, reject });
      // An explicit request is the user's retry: it overrides the crash back-off.
      const child = this.ensureChild(true);
      this.send(child, { type: 'start', id, request });
    });
    return {
      id,
      kind,
      result,
      cancel: () => {
        if (this.pending.has(id) && this.child) this.send(this.child, { type: 'cancel', id });
      },
      cancelOrKill: (graceMs) => {
        if (!this.pending.has(id) || !this.child) return;
        const child = this.child;
        this.send(child, { type: 'cancel', id });
        setTimeout(() => {
          if (!this.pending.has(id) || this.child !== child) return;
          this.options.log?.(`job ${id} (${kind}) did not stop within ${graceMs} ms of its cancel: killing the job process`);
          this.forced.add(id);
          child.kill('SIGKILL');
        }, graceMs);
      },
    };
  }

  /** Kill the process as a crash would (tests; a "restart job process" command). */
  killProcess(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    return this.child?.kill(signal) ?? false;
  }

  dispose(): void {
    this.disposed = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = undefined;
    for (const [, p] of this.pending) p.reject(new JobError({ code: 'cancelled', message: 'BitNet Lab is shutting down', reason: 'shutting down' }));
    this.pending.clear();
    child?.removeAllListeners();
    child?.kill();
  }

  private send(child: ChildProcess, message: HostToJob): void {
    child.send(message, (err) => {
      if (err) this.options.log?.(`job process: send failed: ${err.message}`);
    });
  }

  private ensureChild(userAsked = false): ChildProcess {
    if (this.child) return this.child;
    if (userAsked && this.restartTimer !== undefined) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    const child = fork(this.options.workerPath, [], {
      serialization: 'advanced',
      execArgv: [],
      // Inside desktop VS Code process.execPath is Electron: run it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      ...this.options.forkOptions,
    });
    this.child = child;
    this.ready = false;
    this.spawnCount++;
    const log = this.options.log;
    child.stdout?.on('data', (d: Buffer) => log?.(`job process: ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => log?.(`job process: ${d.toString().trimEnd()}`));
    child.on('message', (raw) => this.onMessage(raw));
    child.on('error', (err) => log?.(`job process error: ${err.message}`));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    log?.(`job process started (pid ${child.pid})`);
    return child;
  }

  private onMessage(message: unknown): void {
    const parsed = parseJobToHost(message);
    if (!parsed.ok) {
      this.options.log?.(`job process: ignored ${parsed.error}`);
      this.failRefusedAnswer(message, parsed.error);
      return;
    }
    const raw = parsed.value;
    if (raw.type === 'ready') {
      this.ready = true;
      for (const w of this.readyWaiters.splice(0)) w();
      return;
    }
    const p = this.pending.get(raw.id);
    if (!p) return;
    switch (raw.type) {
      case 'progress':
        p.handlers.onProgress?.(raw.event);
        break;
      case 'tensors':
        p.handlers.onTensors?.(raw.tensors);
        break;
      case 'metrics':
        p.handlers.onMetrics?.(raw.run, raw.points);
        break;
      case 'finetuneBefore':
        p.handlers.onFinetuneBefore?.(raw.before);
        break;
      case 'text':
        p.handlers.onText?.(raw.text, raw.tokens);
        break;
      case 'result':
        this.pending.delete(raw.id);
        p.resolve(raw.result);
        break;
      case 'error':
        this.pending.delete(raw.id);
        p.reject(new JobError(raw.failure));
        break;
    }
  }

  /**
   * A job's answer (its result or its failure) that did not fit its schema
   * ends the job with the schema's line: ignoring it, as a stray progress
   * message is ignored, would leave the caller waiting for ever.
   */
  private failRefusedAnswer(message: unknown, error: string): void {
    const m = typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : {};
    if ((m.type !== 'result' && m.type !== 'error') || typeof m.id !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    const reason = `the job process sent an answer this version cannot read (${error})`;
    p.reject(new JobError({ code: 'internal', message: reason, reason }));
  }

  private onExit(child: ChildProcess, exitCode: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.ready = false;
    if (this.disposed) return;
    // Killed on purpose to stop a cancelled job: not a crash, restart at once, no back-off.
    const victims = [...this.pending.keys()].filter((id) => !this.forced.has(id));
    if (this.forced.size > 0) {
      for (const id of this.forced) {
        this.pending.get(id)?.reject(new JobError({ code: 'cancelled', message: 'cancelled (the job process was restarted to stop it)', reason: 'cancelled' }));
        this.pending.delete(id);
      }
      this.forced.clear();
      if (victims.length === 0) {
        this.options.log?.('job process stopped to cancel a job; restarting');
        this.ensureChild();
        return;
      }
    }
    const now = (this.options.now ?? Date.now)();
    this.crashTimes.push(now);
    this.crashTimes = this.crashTimes.slice(-32);
    const how = signal !== null ? `was killed (${signal})` : `exited with code ${exitCode}`;
    const delay = automaticRestartDelay(this.crashTimes, now, this.options.policy ?? DEFAULT_RESTART_POLICY);
    const next = delay === 'wait-for-user' ? 'it crashed repeatedly and starts again when you retry' : 'it has been restarted — run it again to retry';
    const failedJobs: JobKind[] = [];
    for (const [, p] of this.pending) {
      failedJobs.push(p.kind);
      const reason = `the job process ${how} while running "${p.kind}"; ${next}`;
      p.reject(new JobError({ code: 'crash', message: reason, reason }));
    }
    this.pending.clear();
    this.options.log?.(`job process ${how}; restart: ${delay === 'wait-for-user' ? 'on next request' : `in ${delay} ms`}`);
    if (delay !== 'wait-for-user') {
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.disposed) this.ensureChild();
      }, delay);
    }
    this.options.onCrash?.({
      pid: child.pid,
      exitCode,
      signal,
      failedJobs,
      restart: delay === 'wait-for-user' ? 'wait-for-user' : delay === 0 ? 'now' : 'delayed',
    });
  }
}
