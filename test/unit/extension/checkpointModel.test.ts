import { describe, expect, it } from 'vitest';
import { CheckpointModel, type JobStarter, type ModelEvent } from '../../../src/extension/checkpointModel.js';
import { LruCache, type FileStamp } from '../../../src/extension/analysisCache.js';
import { JobTracker } from '../../../src/extension/jobTracker.js';
import { JobError, type JobHandlers, type RunningJob } from '../../../src/jobs/client.js';
import type { CheckpointReport, TensorReport } from '../../../src/core/analysis/report.js';
import type { JobKind, JobRequest, JobResult } from '../../../src/protocol/jobs.js';

const totals = { params: 8, bytes: 32, quantizedParams: 8, quantizedTensors: 2, dtypeParams: { F32: 8 }, memory: { asStored: 32, f32: 32, f16: 16, int8: 8, hfBitnet: 2, tq2_0: 2, tq1_0: 2, i2_s: 2, ideal: 2 } };
const row = (name: string, gamma?: number): TensorReport => ({
  name, dtype: 'F32', shape: [2, 2], params: 4, bytes: 16, quantized: true,
  stats: gamma === undefined ? null : {
    gamma, zeros: 1, plus: 1, minus: 2, zeroFraction: 0.25, entropyBits: 1.5, relRmse: 0.5, cosine: 0.9, sqnrDb: 6, min: -1, max: 1, mean: 0, std: 0.5,
    nonFinite: 0, histogram: { edges: [-1, 1], counts: [4] }, thresholds: [-gamma / 2, gamma / 2],
  },
});
const report = (method: string, tensors: TensorReport[]): CheckpointReport => ({
  schemaVersion: 1, file: '/m', format: 'safetensors', backend: 'js-stream', method: method as CheckpointReport['method'], metadata: {}, tensors, totals,
  provenance: { tool: 't', engine: 'js-stream', settings: {}, createdAt: '', seconds: 0, machine: '' },
});

/** A job starter whose jobs the test finishes by hand. */
class FakeJobs implements JobStarter {
  started: Array<{ request: JobRequest; handlers: JobHandlers; resolve: (r: JobResult) => void; reject: (e: JobError) => void; cancelled: boolean }> = [];
  start<K extends JobKind>(request: Extract<JobRequest, { kind: K }>, handlers: JobHandlers = {}): RunningJob<K> {
    let resolve!: (r: JobResult) => void;
    let reject!: (e: JobError) => void;
    const result = new Promise<JobResult>((res, rej) => ((resolve = res), (reject = rej)));
    const entry = { request, handlers, resolve, reject, cancelled: false };
    this.started.push(entry);
    if (request.kind === 'open') queueMicrotask(() => resolve({ kind: 'open', report: report('absmean', [row('a'), row('b')]), files: ['/m'] }));
    return {
      id: this.started.length, kind: request.kind as K, result: result as RunningJob<K>['result'],
      cancelOrKill: () => {
        entry.cancelled = true;
        reject(new JobError({ code: 'cancelled', message: 'cancelled by the user', reason: 'cancelled' }));
      },
      cancel: () => {
        entry.cancelled = true;
        reject(new JobError({ code: 'cancelled', message: 'cancelled by the user', reason: 'cancelled' }));
      },
    };
  }
  lastAnalyze() {
    return this.started.filter((s) => s.request.kind === 'analyze').at(-1)!;
  }
}

const settings = { method: 'absmean' as const, include: [], exclude: [], backend: 'auto' };
const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(stamp: FileStamp = { path: '/m', size: 1, mtimeMs: 1 }) {
  const jobs = new FakeJobs();
  const tracker = new JobTracker();
  const cache = new LruCache<CheckpointReport>(4);
  const file = { ...stamp };
  const model = new CheckpointModel('/m', 'm', settings, { jobs, tracker, cache, stat: async () => ({ ...file }) });
  const events: ModelEvent['type'][] = [];
  model.onEvent((e) => events.push(e.type));
  return { jobs, tracker, cache, model, events, file };
}

describe('CheckpointModel', () => {
  it('reads the header, streams tensors, finishes, and serves the same settings from the cache', async () => {
    const { jobs, model, events, tracker } = setup();
    const run = model.analyze(settings);
    await flush();
    expect(model.header?.tensors.length).toBe(2);
    const a = jobs.lastAnalyze();
    a.handlers.onTensors?.([row('a', 0.1)]);
    expect(model.tensors.get('a')?.stats?.gamma).toBe(0.1);
    a.resolve({ kind: 'analyze', report: report('absmean', [row('a', 0.1), row('b', 0.2)]) });
    await run;
    expect(model.phase).toBe('analyzed');
    expect(events).toEqual(['header', 'analysisStarted', 'tensors', 'done']);
    expect(tracker.list()[0]).toMatchObject({ kind: 'analyze', status: 'done' });

    const analyzeJobs = jobs.started.filter((s) => s.request.kind === 'analyze').length;
    await model.analyze(settings);
    expect(jobs.started.filter((s) => s.request.kind === 'analyze').length).toBe(analyzeJobs); // no new job
    expect(model.lastCached).toBe(true);
    expect(events.slice(-3)).toEqual(['reset', 'tensors', 'done']);
  });

  it('does not use the cache once the file changed on disk', async () => {
    const { jobs, model, file } = setup();
    const run = model.analyze(settings);
    await flush();
    jobs.lastAnalyze().resolve({ kind: 'analyze', report: report('absmean', [row('a', 0.1)]) });
    await run;
    file.mtimeMs = 2;
    const again = model.analyze(settings);
    await flush();
    expect(model.phase).toBe('analyzing');
    jobs.lastAnalyze().resolve({ kind: 'analyze', report: report('absmean', [row('a', 0.3)]) });
    await again;
    expect(model.lastCached).toBe(false);
    expect(model.tensors.get('a')?.stats?.gamma).toBe(0.3);
  });

  it('a new analysis cancels the running one, whose late results are ignored', async () => {
    const { jobs, model } = setup();
    const first = model.analyze(settings);
    await flush();
    const firstJob = jobs.lastAnalyze();
    const second = model.analyze({ ...settings, method: 'median' });
    await flush();
    expect(firstJob.cancelled).toBe(true);
    firstJob.handlers.onTensors?.([row('a', 99)]);
    expect(model.tensors.get('a')?.stats).toBeNull();
    jobs.lastAnalyze().resolve({ kind: 'analyze', report: report('median', [row('a', 0.5)]) });
    await Promise.all([first, second]);
    expect(model.phase).toBe('analyzed');
    expect(model.settings.method).toBe('median');
    expect(model.tensors.get('a')?.stats?.gamma).toBe(0.5);
  });

  it('reports a job-process crash as a failure the user can retry', async () => {
    const { jobs, model, events, tracker } = setup();
    const run = model.analyze(settings);
    await flush();
    jobs.lastAnalyze().reject(new JobError({ code: 'crash', message: 'the job process was killed', reason: 'killed' }));
    await run;
    expect(model.phase).toBe('failed');
    expect(model.failure?.code).toBe('crash');
    expect(events.at(-1)).toBe('error');
    expect(tracker.list()[0]?.status).toBe('failed');
    const retry = model.analyze(settings);
    await flush();
    jobs.lastAnalyze().resolve({ kind: 'analyze', report: report('absmean', [row('a', 0.1)]) });
    await retry;
    expect(model.phase).toBe('analyzed');
  });

  it('cancelling marks the analysis cancelled, not failed', async () => {
    const { model, tracker } = setup();
    const run = model.analyze(settings);
    await flush();
    model.cancelAnalysis();
    await run;
    expect(model.phase).toBe('cancelled');
    expect(tracker.list()[0]?.status).toBe('cancelled');
  });
});
