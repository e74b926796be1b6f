/**
 * End-to-end quality in the comparison report (FP vs post-training ternary vs
 * QAT ternary) on a tiny MNIST run trained here. The FP and PTQ rows are
 * recomputed independently with a float64 forward pass written from the
 * BitLinear definitions (RMSNorm → per-token absmax int8 → absmean ternary
 * weights; bitnet-reference.md §1.1–§1.3); the QAT and FP rows must also equal
 * what the trainer itself reported at the end of the run.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCheckpoint } from '../../../src/core/analysis/compare.js';
import { evaluateModelQuality, UNSUPPORTED_REASON, type ModelQuality } from '../../../src/core/analysis/modelQuality.js';
import { initBackend } from '../../../src/core/backend.js';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { writeSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { loadTensors, valuesForSpecs } from '../../../src/core/nn/checkpoint.js';
import { defaultTrainConfig, type TrainConfig } from '../../../src/core/nn/config.js';
import { mnistDataset } from '../../../src/core/nn/data/mnist.js';
import { evaluate } from '../../../src/core/nn/evaluate.js';
import { mlpModel } from '../../../src/core/nn/mlp.js';
import { Params } from '../../../src/core/nn/params.js';
import { trainRun, type TrainResult } from '../../../src/core/nn/trainer.js';
import { roundHalfEven } from '../../../src/core/quant/rounding.js';
import { renderModelQuality } from '../../../src/cli/commands/modelQualityRender.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'bitnet-mq-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tinyRun(): TrainConfig {
  const c = defaultTrainConfig('mlp', 'mnist');
  c.mlp.sizes = [784, 64, 10];
  c.steps = 40;
  c.batchSize = 32;
  c.evalEvery = 40;
  c.logEvery = 10;
  c.mnist = { ...c.mnist, trainLimit: 600 };
  c.bitnet.warmupSteps = 5;
  c.fp.warmupSteps = 5;
  return c;
}

let out: string;
let trained: TrainResult;
let fromFp: ModelQuality;

beforeAll(async () => {
  out = tempDir();
  trained = await trainRun(tinyRun(), { out });
  const r = await evaluateModelQuality(join(out, 'fp.safetensors'));
  expect(r.reason).toBeUndefined();
  fromFp = r.quality!;
});

/** Float64 forward pass of our MLP on the held-out split: loss (nats) and accuracy. */
async function referenceScore(file: string, config: TrainConfig, quantize: boolean): Promise<{ loss: number; accuracy: number }> {
  const t = (await loadTensors(file)).tensors;
  const sizes = config.mlp.sizes;
  const n = sizes.length - 1;
  const ds = mnistDataset(config.mnist);
  let loss = 0;
  let hits = 0;
  let rows = 0;
  for (const b of ds.valBatches(500)) {
    const m = b.targets.length;
    let h = Float64Array.from(b.inputs as Float32Array);
    for (let i = 0; i < n; i++) {
      const inF = sizes[i]!;
      const outF = sizes[i + 1]!;
      const g = t.get(`layers.${i}.norm.weight`)!.values;
      const w = t.get(`layers.${i}.weight`)!.values; // [out, in]
      const q = quantize && !((i === 0 && config.mlp.firstLayer === 'fp') || (i === n - 1 && config.mlp.lastLayer === 'fp'));
      let wq: Float64Array = Float64Array.from(w);
      if (q) {
        let sum = 0;
        for (const v of w) sum += Math.abs(v);
        const gamma = Math.max(sum / w.length, 1e-5);
        wq = wq.map((v) => Math.max(-1, Math.min(1, roundHalfEven(v / gamma))) * gamma);
      }
      const y = new Float64Array(m * outF);
      const x = new Float64Array(inF);
      for (let r = 0; r < m; r++) {
        let ms = 0;
        for (let j = 0; j < inF; j++) ms += h[r * inF + j]! ** 2;
        const inv = 1 / Math.sqrt(ms / inF + 1e-5);
        let absmax = 0;
        for (let j = 0; j < inF; j++) {
          x[j] = h[r * inF + j]! * inv * g[j]!;
          absmax = Math.max(absmax, Math.abs(x[j]!));
        }
        if (q && config.activationQuant) {
          const sx = 127 / Math.max(absmax, 1e-5);
          for (let j = 0; j < inF; j++) x[j] = Math.max(-128, Math.min(127, roundHalfEven(x[j]! * sx))) / sx;
        }
        for (let o = 0; o < outF; o++) {
          let s = 0;
          for (let j = 0; j < inF; j++) s += x[j]! * wq[o * inF + j]!;
          y[r * outF + o] = i < n - 1 ? Math.max(0, s) : s;
        }
      }
      h = y;
    }
    const k = sizes[n]!;
    for (let r = 0; r < m; r++) {
      let mx = -Infinity;
      let arg = 0;
      for (let c = 0; c < k; c++) if (h[r * k + c]! > mx) { mx = h[r * k + c]!; arg = c; }
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(h[r * k + c]! - mx);
      loss += Math.log(z) + mx - h[r * k + b.targets[r]!]!;
      if (arg === b.targets[r]) hits++;
    }
    rows += m;
  }
  return { loss: loss / rows, accuracy: hits / rows };
}

describe('model quality of a training run (MNIST MLP)', () => {
  it('scores FP, PTQ and QAT on the whole held-out test split', () => {
    expect(fromFp.family).toBe('mlp');
    expect(fromFp.metricName).toBe('accuracy');
    expect(fromFp.splitSize).toBe(2000); // 20 % of the 10,000 digits
    expect(fromFp.rows.map((r) => r.variant)).toEqual(['fp', 'ptq', 'qat']);
    expect(fromFp.rows.map((r) => r.checkpoint)).toEqual([join(out, 'fp.safetensors'), join(out, 'fp.safetensors'), join(out, 'bitnet.safetensors')]);
    for (const r of fromFp.rows) {
      expect(r.metric).toBeGreaterThanOrEqual(0);
      expect(r.metric).toBeLessThanOrEqual(1);
      expect(r.loss).toBeGreaterThan(0);
    }
    expect(fromFp.dataset).toContain('test split');
  });

  it('FP row equals the model scored directly through the nn code path', async () => {
    const { tf } = await initBackend();
    const config = tinyRun();
    const model = mlpModel(config.mlp);
    const file = join(out, 'fp.safetensors');
    const params = Params.fromValues(tf, model.specs, valuesForSpecs(await loadTensors(file), model.specs, file));
    try {
      const e = evaluate(tf, model, params, mnistDataset(config.mnist), { quantize: false, weightMethod: 'absmean', activationQuant: true });
      expect(fromFp.rows[0]!.metric).toBe(e.valMetric);
      expect(fromFp.rows[0]!.loss).toBe(e.valLoss);
    } finally {
      params.dispose();
    }
  });

  it('FP and PTQ rows agree with a float64 forward pass written from the definitions', async () => {
    const file = join(out, 'fp.safetensors');
    for (const [i, quantize] of [[0, false], [1, true]] as const) {
      const ref = await referenceScore(file, tinyRun(), quantize);
      const row = fromFp.rows[i]!;
      expect(Math.abs(row.loss - ref.loss)).toBeLessThan(1e-3 * ref.loss);
      // float32 vs float64 may flip an argmax on a near-tie: allow 2 of 2000 digits.
      expect(Math.abs(row.metric - ref.accuracy)).toBeLessThanOrEqual(2 / 2000 + 1e-12);
    }
  });

  it('PTQ changes the model; FP and QAT rows are the trainer\'s own final scores', () => {
    const [fp, ptq, qat] = fromFp.rows;
    expect(ptq!.loss).not.toBe(fp!.loss);
    expect(fp!.metric).toBeCloseTo(trained.runs.fp!.finalValMetric, 12);
    expect(fp!.loss).toBeCloseTo(trained.runs.fp!.finalValLoss, 6);
    expect(qat!.metric).toBeCloseTo(trained.runs.bitnet.finalValMetric, 12);
    expect(qat!.loss).toBeCloseTo(trained.runs.bitnet.finalValLoss, 6);
  });

  it('gives the same table when pointed at bitnet.safetensors (FP twin found next to it)', async () => {
    const r = await evaluateModelQuality(join(out, 'bitnet.safetensors'));
    expect(r.quality!.rows).toEqual(fromFp.rows);
  });

  it('without an FP twin: latent weights as the FP row, no PTQ row, and says so', async () => {
    const alone = tempDir();
    copyFileSync(join(out, 'bitnet.safetensors'), join(alone, 'bitnet.safetensors'));
    const q = (await evaluateModelQuality(join(alone, 'bitnet.safetensors'))).quality!;
    expect(q.rows.map((r) => r.variant)).toEqual(['fp', 'qat']);
    expect(q.rows[1]!.metric).toBe(fromFp.rows[2]!.metric);
    expect(q.notes.join(' ')).toContain('no full-precision run');
  });

  it('is part of compareCheckpoint and of the CLI text', async () => {
    const src = await openCheckpoint(join(out, 'fp.safetensors'));
    try {
      const report = await compareCheckpoint(src, { repeats: 1, warmup: 0, measureMemory: false, energyTokens: 10 });
      expect(report.modelQuality?.rows).toEqual(fromFp.rows);
      expect(report.modelQualityUnavailable).toBeUndefined();
      expect(report.quality.layers.length).toBeGreaterThan(0); // per-layer error is still there
      expect(JSON.parse(JSON.stringify(report))).toEqual(report);
      const text = renderModelQuality(report);
      expect(text).toContain(`${(100 * fromFp.rows[1]!.metric).toFixed(2)}%`);
      expect(text).toContain('PTQ (post-training ternary)');
    } finally {
      await src.close();
    }
  });
});

describe('model quality of a training run (byte-level LM)', () => {
  it('scores perplexity on the recorded text\'s validation split, matching the trainer', async () => {
    const dir = tempDir();
    const text = join(dir, 'corpus.txt');
    writeFileSync(text, 'the quick brown fox jumps over the lazy dog. '.repeat(400));
    const c = defaultTrainConfig('lm', text);
    c.lm = { ...c.lm, dModel: 32, layers: 1, heads: 2, kvHeads: 2, ffnDim: 64, context: 16 };
    c.steps = 6;
    c.batchSize = 4;
    c.evalEvery = 6;
    c.text = { ...c.text, valTokens: 256 };
    const runOut = join(dir, 'run');
    const t = await trainRun(c, { out: runOut });
    const q = (await evaluateModelQuality(join(runOut, 'fp.safetensors'))).quality!;
    expect(q.metricName).toBe('perplexity');
    expect(q.splitSize).toBe(256);
    expect(q.dataset).toContain(text);
    expect(q.rows.map((r) => r.variant)).toEqual(['fp', 'ptq', 'qat']);
    for (const r of q.rows) expect(r.metric).toBeCloseTo(Math.exp(r.loss), 9);
    expect(q.rows[0]!.loss).toBeCloseTo(t.runs.fp!.finalValLoss, 6);
    expect(q.rows[2]!.loss).toBeCloseTo(t.runs.bitnet.finalValLoss, 6);
    expect(q.rows[1]!.loss).not.toBe(q.rows[0]!.loss);
    expect(q.notes.join(' ')).not.toContain('changed');
    // The corpus grows after training: scored anyway, with a warning.
    writeFileSync(text, 'the quick brown fox jumps over the lazy dog. '.repeat(500));
    const later = (await evaluateModelQuality(join(runOut, 'fp.safetensors'))).quality!;
    expect(later.notes.join(' ')).toContain('has changed since training');
  });
});

describe('checkpoints that cannot be run end to end', () => {
  const llama = join(__dirname, '../../fixtures/torch/tiny_llama.safetensors');

  it('a foreign architecture yields the reason, not a table', async () => {
    const r = await evaluateModelQuality(llama);
    expect(r.quality).toBeUndefined();
    expect(r.reason).toContain(UNSUPPORTED_REASON);
  });

  it('the packed ternary export of a run points back at the run\'s own checkpoints', async () => {
    const r = await evaluateModelQuality(join(out, 'bitnet-ternary', 'model.safetensors'));
    expect(r.quality).toBeUndefined();
    expect(r.reason).toContain(UNSUPPORTED_REASON);
    expect(r.reason).toContain('packed ternary export');
  });

  it('compareCheckpoint carries that reason and no modelQuality', async () => {
    const src = await openCheckpoint(llama);
    try {
      const report = await compareCheckpoint(src, { repeats: 1, warmup: 0, maxShapes: 0, maxQualityLayers: 1, measureMemory: false, energyTokens: 10 });
      expect(report.modelQuality).toBeUndefined();
      expect(report.modelQualityUnavailable).toContain(UNSUPPORTED_REASON);
      expect(renderModelQuality(report)).toContain(UNSUPPORTED_REASON);
    } finally {
      await src.close();
    }
  });

  it('a language-model run whose text source is gone says so and skips', async () => {
    const file = join(tempDir(), 'bitnet.safetensors');
    const config = defaultTrainConfig('lm', join(tempDir(), 'gone.txt'));
    await writeSafetensors(file, [{ name: 'x', dtype: 'F32', shape: [1], data: Float32Array.of(0) }], {
      'bitnet_lab.format': 'bitnet-lab-train/1', 'bitnet_lab.family': 'lm', 'bitnet_lab.run': 'bitnet', 'bitnet_lab.config': JSON.stringify(config),
    });
    const r = await evaluateModelQuality(file);
    expect(r.quality).toBeUndefined();
    expect(r.reason).toContain('gone.txt');
    expect(r.reason).toContain('not available');
  });
});
