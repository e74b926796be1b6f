/**
 * Training on the host side without VS Code: metric and fine-tune events
 * through the real job-process loop (a forked fake engine), their validation,
 * the host's metrics buffer, and the runs folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobClient } from '../../../src/jobs/client.js';
import { isJobToHost, type FinetuneBefore } from '../../../src/protocol/jobs.js';
import type { MetricPoint, RunName } from '../../../src/protocol/training.js';
import { trainResult } from './fixtures/engineValues.js';
import { MetricsBuffer } from '../../../src/extension/training/metricsBuffer.js';
import { listRuns, newRunDir, runsRoot } from '../../../src/extension/training/runsFolder.js';

let dir: string;
let worker: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bitnet-train-host-'));
  worker = join(dir, 'fakeWorker.cjs');
  await build({ entryPoints: [join(__dirname, 'fixtures', 'fakeWorker.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: worker, logLevel: 'error' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = (step: number): MetricPoint => ({ kind: 'train', step, loss: 1, lr: 0, wd: 0 });

describe('training events over the job-process pipe', () => {
  it('delivers every metric batch, per run and in order, before the result', async () => {
    const c = new JobClient({ workerPath: worker });
    try {
      const got: Array<[RunName, number]> = [];
      let lastProgress = 0;
      let progressBehind = false;
      const job = c.start({ kind: 'train', options: { steps: 30 } }, {
        onProgress: (p) => (lastProgress = p.done),
        onMetrics: (run, pts) => {
          for (const p of pts) {
            got.push([run, p.step]);
            if (lastProgress < p.step) progressBehind = true;
          }
        },
      });
      const r = await job.result;
      expect(r.value).toEqual(trainResult(30));
      expect(got).toEqual([['bitnet', 10], ['fp', 10], ['bitnet', 20], ['fp', 20], ['bitnet', 30], ['fp', 30]]);
      expect(progressBehind).toBe(false);
    } finally {
      c.dispose();
    }
  });

  it('delivers the fine-tune before-quality as its own event', async () => {
    const c = new JobClient({ workerPath: worker });
    try {
      let before: FinetuneBefore | undefined;
      await c.start({ kind: 'finetune', path: '/m', options: {} }, { onFinetuneBefore: (b) => (before = b) }).result;
      expect(before).toEqual({ metricName: 'accuracy', fpValLoss: 0.3, fpMetric: 0.9, ptqValLoss: 0.9, ptqMetric: 0.6 });
    } finally {
      c.dispose();
    }
  });

  it('cancelOrKill stops a job that never yields: it fails as cancelled, not as a crash, and the process comes back', async () => {
    const crashes: unknown[] = [];
    const c = new JobClient({ workerPath: worker, onCrash: (i) => crashes.push(i) });
    try {
      await c.whenReady();
      const pid = c.pid;
      const job = c.start({ kind: 'compare', path: '/m', options: {} });
      await new Promise((r) => setTimeout(r, 200));
      job.cancelOrKill(300);
      const failure = await job.result.then(() => undefined, (e: { code?: string }) => e.code);
      expect(failure).toBe('cancelled');
      expect(crashes).toEqual([]);
      const r = await c.start({ kind: 'open', path: '/data/model2' }).result;
      expect(r.report.tensors).toHaveLength(2);
      expect(c.pid).not.toBe(pid);
    } finally {
      c.dispose();
    }
  });

  it('validation rejects malformed metric messages', () => {
    expect(isJobToHost({ type: 'metrics', id: 1, run: 'bitnet', points: [] })).toBe(true);
    expect(isJobToHost({ type: 'metrics', id: 1, run: 'int8', points: [] })).toBe(false);
    expect(isJobToHost({ type: 'metrics', id: 1, run: 'fp', points: 'x' })).toBe(false);
    expect(isJobToHost({ type: 'finetuneBefore', id: 1 })).toBe(false);
  });
});

describe('MetricsBuffer', () => {
  it('forwards each point once, keeps all for a replay, and a replay clears what is pending', () => {
    const b = new MetricsBuffer();
    b.add('bitnet', [train(1), train(2)]);
    b.add('fp', [train(1)]);
    b.add('bitnet', [train(3)]);
    expect(b.takePending()).toEqual([{ run: 'bitnet', points: [train(1), train(2), train(3)] }, { run: 'fp', points: [train(1)] }]);
    expect(b.hasPending).toBe(false);
    expect(b.takePending()).toEqual([]);
    b.add('fp', [train(2)]);
    expect(b.replay()).toEqual([{ run: 'bitnet', points: [train(1), train(2), train(3)] }, { run: 'fp', points: [train(1), train(2)] }]);
    expect(b.hasPending).toBe(false);
    expect(b.lastStep()).toBe(3);
  });
});

describe('runs folder', () => {
  it('lives in the workspace when there is one, else in global storage', () => {
    expect(runsRoot('/ws', '/gs')).toBe(join('/ws', '.bitnet-lab', 'runs'));
    expect(runsRoot(undefined, '/gs')).toBe(join('/gs', 'runs'));
  });

  it('lists only finished runs (run.json and metrics.jsonl), newest first, skipping broken ones', async () => {
    const root = join(dir, 'runs');
    const mk = (name: string, files: Record<string, string>, mtime: number): void => {
      mkdirSync(join(root, name), { recursive: true });
      for (const [f, text] of Object.entries(files)) {
        writeFileSync(join(root, name, f), text);
        utimesSync(join(root, name, f), mtime, mtime);
      }
    };
    const runJson = (model: string, steps: number, bitnet: string): string => JSON.stringify({ config: { model, data: 'mnist', steps }, runs: { bitnet: { checkpoint: bitnet }, fp: { checkpoint: null } } });
    mk('mlp-old', { 'run.json': runJson('mlp', 100, '/x/bitnet.safetensors'), 'metrics.jsonl': '' }, 1000);
    mk('mlp-new', { 'run.json': runJson('mlp', 20, '/y/bitnet.safetensors'), 'metrics.jsonl': '' }, 2000);
    mk('cancelled', { 'metrics.jsonl': '{}' }, 3000);
    mk('broken', { 'run.json': '{not json', 'metrics.jsonl': '' }, 4000);
    const runs = await listRuns(root);
    expect(runs.map((r) => r.name)).toEqual(['mlp-new', 'mlp-old']);
    expect(runs[0]).toMatchObject({ model: 'mlp', steps: 20, checkpoints: { bitnet: '/y/bitnet.safetensors', fp: undefined } });
    expect(await listRuns(join(dir, 'nowhere'))).toEqual([]);
  });

  it('names a new run by time and never reuses an existing folder', () => {
    const root = join(dir, 'fresh');
    const t = new Date(2026, 0, 2, 3, 4, 5);
    const a = newRunDir(root, 'mlp', t);
    expect(a).toBe(join(root, 'mlp-20260102-030405'));
    mkdirSync(a, { recursive: true });
    expect(newRunDir(root, 'mlp', t)).toBe(join(root, 'mlp-20260102-030405-2'));
  });
});
