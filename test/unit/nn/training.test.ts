/**
 * End-to-end training on the real MNIST digits (small budget), cancellation
 * (no partial checkpoint) and exact resume (the resumed run's losses equal
 * those of an uninterrupted run at the same steps).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultTrainConfig, type TrainConfig } from '../../../src/core/nn/config.js';
import { trainRun } from '../../../src/core/nn/trainer.js';
import { isBitnetLabError } from '../../../src/core/errors.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/index.js';
import type { MetricPoint, RunName } from '../../../src/protocol/training.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bitnet-train-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function smallMnist(steps: number): TrainConfig {
  const c = defaultTrainConfig('mlp', 'mnist');
  c.mlp.sizes = [784, 64, 10];
  c.steps = steps;
  c.batchSize = 32;
  c.evalEvery = steps;
  c.logEvery = 1;
  c.mnist = { ...c.mnist, trainLimit: 600 };
  c.bitnet.warmupSteps = 5;
  c.fp.warmupSteps = 5;
  return c;
}

describe('MNIST training', () => {
  it('BitNet MLP reaches accuracy far above chance (10 %) in a few hundred steps', async () => {
    const c = defaultTrainConfig('mlp', 'mnist');
    c.steps = 250;
    c.batchSize = 64;
    c.evalEvery = 250;
    c.baseline = false;
    c.mnist = { ...c.mnist, trainLimit: 3000 };
    const r = await trainRun(c);
    expect(r.runs.fp).toBeUndefined();
    expect(r.runs.bitnet.metricName).toBe('accuracy');
    expect(r.runs.bitnet.finalValMetric).toBeGreaterThan(0.7);
    expect(r.runs.bitnet.steps).toBe(250);
  });
});

describe('cancel', () => {
  it('leaves no checkpoint and no temp file behind', async () => {
    const out = tempDir();
    const ac = new AbortController();
    const c = smallMnist(40);
    c.checkpointEvery = 20;
    let err: unknown;
    try {
      await trainRun(c, { out, signal: ac.signal, onProgress: (e) => { if (e.done === 12) ac.abort(); } });
    } catch (e) {
      err = e;
    }
    expect(isBitnetLabError(err) && err.code === 'cancelled').toBe(true);
    const files = readdirSync(out);
    expect(files.filter((f) => f.endsWith('.safetensors'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).not.toContain('run.json');
  });
});

describe('resume', () => {
  it('continues the same loss curve as an uninterrupted run', async () => {
    const c = smallMnist(24);
    c.checkpointEvery = 12;
    const collect = (into: Map<string, number>) => (run: RunName, pts: MetricPoint[]) => {
      for (const p of pts) if (p.kind === 'train') into.set(`${run}@${p.step}`, p.loss);
    };
    const full = new Map<string, number>();
    await trainRun(c, { out: tempDir(), onMetrics: collect(full) });

    const out = tempDir();
    const first = new Map<string, number>();
    const part = await trainRun(c, { out, onMetrics: collect(first), stopAfterSteps: 12 });
    expect(part.runs.bitnet.checkpoint).toBeNull(); // not finished
    const f = await openSafetensors(join(out, 'bitnet.safetensors'));
    expect(f.metadata['bitnet_lab.step']).toBe('12');
    expect(f.tensors.find((t) => t.name === 'layers.0.weight')?.shape).toEqual([64, 784]); // PyTorch [out, in]
    await f.close();

    const second = new Map<string, number>();
    const rest = await trainRun(smallMnist(1), { out, resume: out, onMetrics: collect(second) });
    expect(rest.startStep).toBe(12);
    expect(rest.config.steps).toBe(24); // the saved config wins
    for (const run of ['bitnet', 'fp']) {
      for (let s = 1; s <= 12; s++) expect(first.get(`${run}@${s}`)).toBeCloseTo(full.get(`${run}@${s}`)!, 6);
      for (let s = 13; s <= 24; s++) {
        const a = second.get(`${run}@${s}`);
        expect(a).toBeDefined();
        expect(Math.abs(a! - full.get(`${run}@${s}`)!)).toBeLessThan(1e-5);
      }
    }
    expect(second.has('bitnet@12')).toBe(false);
    // BitNet and FP really differ (quantization is on in one of them).
    expect(full.get('bitnet@24')).not.toBe(full.get('fp@24'));
  });
});
