/**
 * Resumable checkpoints: a torchrun run stopped after a checkpoint continues
 * from it (weights and AdamW moments from <run>.safetensors /
 * <run>.optim.safetensors, the data order from the step) and the resumed
 * curve is the uninterrupted one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { parseMetricsLines } from '../../../src/core/nn/metricsFile.js';
import { trainTorchrun } from '../../../src/core/nn/torchrun/engine.js';
import { TORCH_PYTHON, torchAvailable } from '../../peers/torch.js';
import { smallLm, tempDir } from './helpers.js';

const trainLosses = (dir: string): Map<number, number> => {
  const pts = parseMetricsLines(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).runs.bitnet!;
  const m = new Map<number, number>();
  for (const p of pts) if (p.kind === 'train') {
    expect(m.has(p.step), `step ${p.step} logged twice`).toBe(false);
    m.set(p.step, p.loss);
  }
  return m;
};

describe.skipIf(!torchAvailable())('torchrun resume', () => {
  it('continues the uninterrupted loss curve from the last checkpoint', async () => {
    const c = smallLm(24);
    c.checkpointEvery = 4;
    c.baseline = false;
    const topology = { nprocPerNode: 2, nnodes: 1, nodeRank: 0 };
    const full = tempDir();
    await trainTorchrun(c, { out: full, python: TORCH_PYTHON, topology });

    const out = tempDir();
    const ac = new AbortController();
    await trainTorchrun(c, { out, python: TORCH_PYTHON, topology, signal: ac.signal, onProgress: (e) => { if (e.done >= 6) ac.abort(); } }).catch(() => undefined);
    const f = await openSafetensors(join(out, 'bitnet.safetensors'));
    const saved = Number(f.metadata['bitnet_lab.step']);
    await f.close();
    expect(saved % 4).toBe(0);
    expect(saved).toBeLessThan(24);

    const live: number[] = [];
    const r = (await trainTorchrun(c, { out, python: TORCH_PYTHON, topology, resume: true, onMetrics: (_run, pts) => live.push(...pts.filter((p) => p.kind === 'train').map((p) => p.step)) }))!;
    expect(r.startStep).toBe(saved);
    expect(live).toEqual(Array.from({ length: 24 - saved }, (_, i) => saved + 1 + i)); // only what the resume added
    const a = trainLosses(full);
    const b = trainLosses(out);
    expect([...b.keys()].sort((x, y) => x - y)).toEqual([...a.keys()].sort((x, y) => x - y));
    for (const [step, loss] of a) expect(Math.abs(b.get(step)! - loss), `step ${step}`).toBeLessThan(1e-5);
  }, 240_000);
});
