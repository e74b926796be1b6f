import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobClient, JobError, type CrashInfo } from '../../../src/jobs/client.js';
import { energyReport } from './fixtures/engineValues.js';

let dir: string;
let worker: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bitnet-fake-worker-'));
  worker = join(dir, 'fakeWorker.cjs');
  await build({ entryPoints: [join(__dirname, 'fixtures', 'fakeWorker.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: worker, logLevel: 'error' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const analyzeSettings = (method: 'absmean' | 'median') => ({ method, include: [], exclude: [], backend: 'auto' });

async function failureOf(p: Promise<unknown>): Promise<JobError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JobError) return e;
    throw e;
  }
  throw new Error('expected the job to fail');
}

describe('job process over IPC (forked child, structured clone)', () => {
  const generate = (prompt: string, maxTokens: number) => ({ kind: 'generate' as const, path: '/m', prompt, mode: 'ternary' as const, settings: { maxTokens, temperature: 0, topK: 0, seed: 1 } });

  it('streams generated text, coalesced, all of it before the result', async () => {
    const c = new JobClient({ workerPath: worker });
    try {
      const prompt = 'abcdefghijklmnopqrstuvwxyz'.repeat(8);
      let streamed = '';
      let tokens = 0;
      let messages = 0;
      let afterResult = false;
      let done = false;
      const job = c.start(generate(prompt, 150), {
        onText: (text, n) => {
          if (done) afterResult = true;
          streamed += text;
          tokens += n;
          messages++;
        },
      });
      const r = await job.result;
      done = true;
      expect(r.value.text).toBe(prompt.slice(0, 150));
      expect(streamed).toBe(r.value.text);
      expect(tokens).toBe(r.value.generatedTokens.length);
      // 150 tokens 2 ms apart: coalesced into far fewer messages (TEXT_INTERVAL_MS), yet more than one.
      expect(messages).toBeGreaterThan(1);
      expect(messages).toBeLessThan(150);
      await new Promise((res) => setTimeout(res, 50));
      expect(afterResult).toBe(false);
    } finally {
      c.dispose();
    }
  });

  it('cancels a generation mid-stream: the text so far arrived, the job fails as cancelled', async () => {
    const c = new JobClient({ workerPath: worker });
    try {
      let streamed = '';
      const job = c.start(generate('x'.repeat(2000), 2000), {
        onText: (text) => {
          streamed += text;
          if (streamed.length >= 20) job.cancel();
        },
      });
      const e = await failureOf(job.result);
      expect(e.code).toBe('cancelled');
      expect(streamed.length).toBeGreaterThanOrEqual(20);
      expect(streamed.length).toBeLessThan(2000);
    } finally {
      c.dispose();
    }
  });

  it('answers open with the header report and every file the checkpoint reads', async () => {
    const c = new JobClient({ workerPath: worker });
    try {
      const r = await c.start({ kind: 'open', path: '/data/model4' }).result;
      expect(r.report.tensors.map((t) => t.name)).toEqual(['t0', 't1', 't2', 't3']);
      expect(r.files.sort()).toEqual(['/data/model4', '/data/shard2.safetensors']);
    } finally {
      c.dispose();
    }
  });

  it('streams every analysed tensor exactly once, in bounded batches, before the result', async () => {
    const c = new JobClient({ workerPath: worker });
    try {
      const seen: string[] = [];
      let batches = 0;
      let largest = 0;
      let resultArrivedAfterTensors = false;
      const job = c.start({ kind: 'analyze', path: '/m1000', settings: analyzeSettings('absmean') }, {
        onTensors: (ts) => {
          batches++;
          largest = Math.max(largest, ts.length);
          seen.push(...ts.map((t) => t.name));
        },
      });
      const r = await job.result;
      resultArrivedAfterTensors = seen.length === 1000;
      expect(resultArrivedAfterTensors).toBe(true);
      expect(new Set(seen).size).toBe(1000);
      expect(r.report.tensors.length).toBe(1000);
      expect(largest).toBeLessThanOrEqual(256);
      expect(batches).toBeLessThan(1000);
    } finally {
      c.dispose();
    }
  });

  // JSON would turn NaN into null, which the result's schema then refuses: the pipe must carry it as it is.
  it('carries NaN across the pipe as NaN (serialization: advanced)', async () => {
    const c = new JobClient({ workerPath: worker });
    try {
      const r = await c.start({ kind: 'energy', path: '/m', options: {} }).result;
      expect(r.value.layers[1]!.zeroFraction).toBeNaN();
      expect(r.value).toEqual(energyReport('/m'));
    } finally {
      c.dispose();
    }
  });

  it('fails a job whose result does not fit its schema, naming the field, instead of leaving it waiting', async () => {
    const log: string[] = [];
    const c = new JobClient({ workerPath: worker, log: (l) => log.push(l) });
    try {
      const failure = await failureOf(c.start({ kind: 'energy', path: '/garbled', options: {} }).result);
      expect(failure.code).toBe('internal');
      expect(failure.message).toBe('the job process sent an answer this version cannot read ("result" message from the job process: result.value.tokens: expected number, got "many")');
      expect(log).toContain('job process: ignored "result" message from the job process: result.value.tokens: expected number, got "many"');
      // The process itself is fine: the next job runs.
      expect((await c.start({ kind: 'energy', path: '/m', options: {} }).result).value.file).toBe('/m');
    } finally {
      c.dispose();
    }
  });

  it('turns engine errors, missing engine modules and cancellation into typed failures', async () => {
    const c = new JobClient({ workerPath: worker });
    try {
      const bad = await failureOf(c.start({ kind: 'open', path: '/x/bad' }).result);
      expect(bad.failure).toMatchObject({ code: 'header', reason: 'not a checkpoint', place: { file: '/x/bad', offset: 8 } });
      expect(bad.message).toBe('/x/bad, byte 8: not a checkpoint');

      const missing = await failureOf(c.start({ kind: 'quantize', input: 'a', output: 'b', options: {} }).result);
      expect(missing.code).toBe('unavailable');
      expect(missing.message).toMatch(/"quantize" is not available in this build/);

      const job = c.start({ kind: 'analyze', path: '/m400', settings: analyzeSettings('median') }, { onProgress: () => job.cancel() });
      const cancelled = await failureOf(job.result);
      expect(cancelled.code).toBe('cancelled');
    } finally {
      c.dispose();
    }
  });

  it('fails the running jobs when the process dies, restarts it, and the next job works', async () => {
    const crashes: CrashInfo[] = [];
    const c = new JobClient({ workerPath: worker, onCrash: (i) => crashes.push(i) });
    try {
      await c.whenReady();
      const firstPid = c.pid;
      const slow = c.start({ kind: 'analyze', path: '/m400', settings: analyzeSettings('median') }, { onProgress: () => void c.killProcess('SIGKILL') });
      const crash = await failureOf(slow.result);
      expect(crash.code).toBe('crash');
      expect(crash.message).toMatch(/killed \(SIGKILL\) while running "analyze"/);
      expect(crashes).toHaveLength(1);
      expect(crashes[0]).toMatchObject({ signal: 'SIGKILL', failedJobs: ['analyze'], restart: 'now' });

      const exit = await failureOf(c.start({ kind: 'energy', path: '/crash', options: {} }).result);
      expect(exit.message).toMatch(/exited with code 3/);

      const r = await c.start({ kind: 'open', path: '/m2' }).result;
      expect(r.report.tensors.length).toBe(2);
      expect(c.pid).not.toBe(firstPid);
      expect(c.spawnCount).toBe(3);
    } finally {
      c.dispose();
    }
  });
});
