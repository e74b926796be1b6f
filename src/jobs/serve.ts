/**
 * The job process's message loop: starts jobs on request, streams progress
 * and per-tensor results (coalesced, so a checkpoint with 10,000 small
 * tensors does not flood the IPC pipe), honours cancellation, and reports
 * every failure as data. Several jobs may run at once; each awaits between
 * chunks, so an 'open' is answered even while a long analysis streams.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { TensorReport } from '../core/analysis/report.js';
import type { ProgressEvent } from '../core/progress.js';
import type { FinetuneBefore, HostToJob, JobRequest, JobResult, JobToHost } from '../protocol/jobs.js';
import type { MetricPoint, RunName } from '../protocol/training.js';
import { parseHostToJob } from '../protocol/jobs.js';
import type { Engine, ExtraJob, ExtraJobKind, JobRunOptions } from './engineTypes.js';
import { toFailure, unavailable } from './failure.js';
import { TextCoalescer } from './textCoalescer.js';

export interface JobChannel {
  send(message: JobToHost): void;
  onMessage(listener: (raw: unknown) => void): void;
}

/** Progress at most this often per job; the last event always goes out before the result. */
const PROGRESS_INTERVAL_MS = 50;
/** Finished tensors are sent in batches: when this many are waiting, or after the interval. */
const TENSOR_BATCH = 256;
const TENSOR_INTERVAL_MS = 100;

export function serveJobs(channel: JobChannel, engine: Engine): void {
  const running = new Map<number, AbortController>();

  channel.onMessage((raw) => {
    const parsed = parseHostToJob(raw);
    if (!parsed.ok) {
      refuse(channel, raw, parsed.error);
      return;
    }
    const msg: HostToJob = parsed.value;
    if (msg.type === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    if (running.has(msg.id)) return;
    const controller = new AbortController();
    running.set(msg.id, controller);
    void runJob(msg.id, msg.request, controller.signal, channel, engine).finally(() => running.delete(msg.id));
  });
}

/**
 * A start request that does not fit its schema (a bad option from a command's
 * arguments, a host of another version) fails its job as a usage error with
 * the schema's one line, instead of leaving the host waiting for an answer.
 */
function refuse(channel: JobChannel, raw: unknown, error: string): void {
  const m = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  if (m.type === 'start' && typeof m.id === 'number' && Number.isSafeInteger(m.id)) {
    const reason = `invalid job request: ${error}`;
    channel.send({ type: 'error', id: m.id, failure: { code: 'usage', message: reason, reason } });
  } else {
    console.error(`ignored ${error}`);
  }
}

async function runJob(id: number, request: JobRequest, signal: AbortSignal, channel: JobChannel, engine: Engine): Promise<void> {
  const progress = new ProgressCoalescer((event) => channel.send({ type: 'progress', id, event }));
  const tensors = new TensorBatcher((batch) => channel.send({ type: 'tensors', id, tensors: batch }));
  const text = new TextCoalescer((t, tokens) => channel.send({ type: 'text', id, text: t, tokens }));
  const streams = {
    // Progress first, so the panel's step counter is never behind its curves.
    onMetrics: (run: RunName, points: MetricPoint[]): void => {
      progress.flush();
      channel.send({ type: 'metrics', id, run, points });
    },
    onFinetuneBefore: (before: FinetuneBefore): void => channel.send({ type: 'finetuneBefore', id, before }),
    onText: (piece: string): void => text.push(piece),
  };
  try {
    const result = await dispatch(request, signal, engine, progress, tensors, streams);
    progress.flush();
    tensors.flush();
    text.flush();
    channel.send({ type: 'result', id, result });
  } catch (e) {
    progress.flush();
    tensors.flush();
    text.flush();
    channel.send({ type: 'error', id, failure: e instanceof UnavailableJob ? unavailable(e.kind) : toFailure(e) });
  } finally {
    progress.dispose();
    tensors.dispose();
    text.dispose();
  }
}

async function dispatch(
  request: JobRequest,
  signal: AbortSignal,
  engine: Engine,
  progress: ProgressCoalescer,
  tensors: TensorBatcher,
  streams: Pick<JobRunOptions, 'onMetrics' | 'onFinetuneBefore' | 'onText'>,
): Promise<JobResult> {
  const onProgress = (e: ProgressEvent): void => progress.push(e);
  switch (request.kind) {
    case 'open': {
      const source = await engine.openCheckpoint(request.path);
      try {
        return { kind: 'open', report: await engine.headerReport(source, request.settings), files: checkpointFiles(request.path, source.tensors) };
      } finally {
        await source.close();
      }
    }
    case 'analyze': {
      const source = await engine.openCheckpoint(request.path);
      try {
        const report = await engine.analyze(source, { settings: request.settings, signal, onProgress, onTensor: (t) => tensors.push(t) });
        return { kind: 'analyze', report };
      } finally {
        await source.close();
      }
    }
    default: {
      const kind: ExtraJobKind = request.kind;
      const job = engine.extra[kind] as ExtraJob | undefined;
      if (job === undefined) throw new UnavailableJob(kind);
      const value = await job(request, { signal, onProgress, ...streams });
      // ExtraJob<K> returns JobValueOf<K>; the compiler cannot pair a union kind with its value, hence the cast.
      return { kind, value } as JobResult;
    }
  }
}

/** The opened path plus every distinct data file its tensors live in (shards of an index). */
function checkpointFiles(path: string, tensors: readonly { file: string }[]): string[] {
  const files = new Set<string>([resolve(path)]);
  for (const t of tensors) files.add(isAbsolute(t.file) ? t.file : resolve(dirname(path), t.file));
  return [...files];
}

class UnavailableJob extends Error {
  constructor(readonly kind: string) {
    super(unavailable(kind).message);
  }
}

class ProgressCoalescer {
  private pending: ProgressEvent | undefined;
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(private readonly send: (e: ProgressEvent) => void) {}

  push(e: ProgressEvent): void {
    this.pending = e;
    const wait = this.last + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === undefined) return;
    this.send(this.pending);
    this.pending = undefined;
    this.last = Date.now();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

class TensorBatcher {
  private batch: TensorReport[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(private readonly send: (batch: TensorReport[]) => void) {}

  push(t: TensorReport): void {
    this.batch.push(t);
    if (this.batch.length >= TENSOR_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), TENSOR_INTERVAL_MS);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const out = this.batch;
    this.batch = [];
    this.send(out);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
