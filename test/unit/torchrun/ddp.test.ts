/**
 * The torchrun engine on real PyTorch (Debian's torch 1.13, CPU, gloo): a
 * 2-rank DDP run of a small BitNet LM. The loss falls, only rank 0 logs,
 * run.json says worldSize 2, the 2-rank losses equal a 1-rank run's (each rank
 * really trains on its slice of one global batch), and the checkpoint opens
 * with our readers; the inspector's analysis recomputes the γ and sparsity
 * the script logged for the last evaluation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCheckpoint } from '../../../src/core/analysis/analyze.js';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { parseMetricsLines } from '../../../src/core/nn/metricsFile.js';
import { trainTorchrun } from '../../../src/core/nn/torchrun/engine.js';
import type { EvalPoint, MetricPoint, TrainPoint } from '../../../src/protocol/training.js';
import { TORCH_PYTHON, torchAvailable } from '../../peers/torch.js';
import { smallLm, tempDir } from './helpers.js';

const trainOf = (pts: MetricPoint[]): TrainPoint[] => pts.filter((p): p is TrainPoint => p.kind === 'train');
const evalsOf = (pts: MetricPoint[]): EvalPoint[] => pts.filter((p): p is EvalPoint => p.kind === 'eval');
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.skipIf(!torchAvailable())('torchrun engine, 2 ranks on CPU (gloo)', () => {
  it('trains: the loss falls, rank 0 alone logs, run.json records the world', async () => {
    const out = tempDir();
    const c = smallLm(20);
    c.baseline = false;
    let live = 0;
    let launch = '';
    const r = (await trainTorchrun(c, {
      out, python: TORCH_PYTHON, topology: { nprocPerNode: 2, nnodes: 1, nodeRank: 0 },
      onMetrics: (run, pts) => { if (run === 'bitnet') live += pts.length; },
      onLaunch: (cmd) => { launch = cmd; },
    }))!;
    expect(r.engine).toBe('torchrun');
    expect(r.worldSize).toBe(2);
    expect(r.distBackend).toBe('gloo');
    expect(r.torchVersion).toMatch(/^1\.13/);
    expect(r.launch).toBe(launch);
    expect(launch).toContain('--nproc_per_node 2');
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).worldSize).toBe(2);

    const m = parseMetricsLines(readFileSync(join(out, 'metrics.jsonl'), 'utf8'));
    expect(m.skippedLines).toBe(0);
    expect(m.runs.fp).toBeUndefined();
    const pts = m.runs.bitnet!;
    expect(live).toBe(pts.length); // followed live, line for line
    // One line per step and evaluation: a second rank writing would double them.
    expect(trainOf(pts).map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(evalsOf(pts).map((p) => p.step)).toEqual([0, 20]);
    const losses = trainOf(pts).map((p) => p.loss);
    console.log(`2-rank BitNet train loss by step: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    const [first, last] = evalsOf(pts);
    console.log(`val loss step 0 ${first!.valLoss.toFixed(4)} → step 20 ${last!.valLoss.toFixed(4)}`);
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.3);
    expect(last!.valLoss).toBeLessThan(first!.valLoss - 0.3);
    expect(last!.valMetric).toBeCloseTo(Math.exp(last!.valLoss), 9);

    // The packed HF BitNet export, as the tfjs engine writes it.
    const packed = await openCheckpoint(r.runs.bitnet.ternaryCheckpoint!);
    try {
      expect(packed.tensors.find((t) => t.name === 'model.layers.0.self_attn.q_proj.weight')?.dtype).toBe('U8');
    } finally {
      await packed.close();
    }

    // The checkpoint through the formats layer and the inspector's statistics pass.
    const ckpt = join(out, 'bitnet.safetensors');
    expect(existsSync(join(out, 'bitnet.optim.safetensors'))).toBe(true);
    const src = await openCheckpoint(ckpt);
    try {
      expect(src.metadata['bitnet_lab.step']).toBe('20');
      expect(src.metadata['bitnet_lab.format']).toBe('bitnet-lab-train/1');
      const q = src.tensors.find((t) => t.name === 'model.layers.0.self_attn.q_proj.weight');
      expect(q?.shape).toEqual([32, 32]);
      const report = await analyzeCheckpoint(src);
      for (const layer of last!.layers) {
        const t = report.tensors.find((x) => x.name === layer.name);
        expect(t?.quantized, layer.name).toBe(true);
        expect(t!.stats!.gamma).toBeCloseTo(layer.gamma, 6);
        expect(t!.stats!.zeroFraction).toBeCloseTo(layer.sparsity, 9);
      }
      expect(report.tensors.find((x) => x.name === 'lm_head.weight')?.quantized).toBe(false);
    } finally {
      await src.close();
    }
  }, 180_000);

  it('2 ranks train exactly like 1 rank on the same global batches', async () => {
    const c = smallLm(4);
    c.baseline = false;
    const run = async (nproc: number): Promise<number[]> => {
      const out = tempDir();
      await trainTorchrun(c, { out, python: TORCH_PYTHON, topology: { nprocPerNode: nproc, nnodes: 1, nodeRank: 0 } });
      return trainOf(parseMetricsLines(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).runs.bitnet!).map((p) => p.loss);
    };
    const one = await run(1);
    const two = await run(2);
    console.log(`1 rank ${one.map((l) => l.toFixed(6)).join(' ')} | 2 ranks ${two.map((l) => l.toFixed(6)).join(' ')}`);
    expect(two.length).toBe(4);
    for (let i = 0; i < 4; i++) expect(Math.abs(two[i]! - one[i]!)).toBeLessThan(1e-4);
  }, 180_000);
});
