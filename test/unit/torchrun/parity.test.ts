/**
 * Engine parity: the same config, seed, data order and initial weights give
 * the same numbers in bitnet-lab's tfjs engine and in PyTorch under torchrun
 * (2 ranks, gloo). Step-0 validation loss within 1e-3 relative and the first
 * training step's loss within 1e-3, for the BitNet run and the FP baseline;
 * the second step's loss (after one AdamW update with the scheduled lr and
 * weight decay) is reported and held to the same bound.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMetricsLines } from '../../../src/core/nn/metricsFile.js';
import { trainRun } from '../../../src/core/nn/trainer.js';
import { trainTorchrun } from '../../../src/core/nn/torchrun/engine.js';
import type { MetricPoint, RunName } from '../../../src/protocol/training.js';
import { TORCH_PYTHON, torchAvailable } from '../../peers/torch.js';
import { smallLm, tempDir } from './helpers.js';

interface Figures { val0: number; train1: number; train2: number }

function figures(points: MetricPoint[]): Figures {
  const val0 = points.find((p) => p.kind === 'eval' && p.step === 0);
  const train = (step: number): number => {
    const p = points.find((x) => x.kind === 'train' && x.step === step);
    if (!p || p.kind !== 'train') throw new Error(`no train point at step ${step}`);
    return p.loss;
  };
  if (!val0 || val0.kind !== 'eval') throw new Error('no step-0 evaluation');
  return { val0: val0.valLoss, train1: train(1), train2: train(2) };
}

const ARCHITECTURES = [
  { name: 'relu2, multi-head, separate lm_head', lm: { heads: 2, kvHeads: 2, act: 'relu2', tieEmbeddings: false } },
  { name: 'SwiGLU, GQA 4:2, tied embeddings', lm: { heads: 4, kvHeads: 2, act: 'silu', tieEmbeddings: true } },
] as const;

describe.skipIf(!torchAvailable())('tfjs and torchrun engines agree', () => {
  it.each(ARCHITECTURES)('on step-0 validation loss and the first training losses ($name; BitNet and FP)', async ({ lm }) => {
    const c = smallLm(2);
    c.lm = { ...c.lm, ...lm };
    const tfjsPoints: Partial<Record<RunName, MetricPoint[]>> = {};
    const tf = await trainRun(c, { onMetrics: (run, pts) => (tfjsPoints[run] ??= []).push(...pts) });
    const out = tempDir();
    const torch = (await trainTorchrun(c, { out, python: TORCH_PYTHON, topology: { nprocPerNode: 2, nnodes: 1, nodeRank: 0 } }))!;
    const torchPoints = parseMetricsLines(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).runs;
    for (const run of ['bitnet', 'fp'] as const) {
      const a = figures(tfjsPoints[run]!);
      const b = figures(torchPoints[run]!);
      console.log(`${run}: tfjs (${tf.backend}) val@0 ${a.val0.toFixed(6)} train@1 ${a.train1.toFixed(6)} train@2 ${a.train2.toFixed(6)} | ${torch.backend}, ${torch.worldSize} ranks: val@0 ${b.val0.toFixed(6)} train@1 ${b.train1.toFixed(6)} train@2 ${b.train2.toFixed(6)} | rel val@0 ${(Math.abs(a.val0 - b.val0) / b.val0).toExponential(2)}`);
      expect(Math.abs(a.val0 - b.val0) / Math.abs(b.val0)).toBeLessThan(1e-3);
      expect(Math.abs(a.train1 - b.train1)).toBeLessThan(1e-3);
      expect(Math.abs(a.train2 - b.train2)).toBeLessThan(1e-3);
    }
  }, 240_000);
});
