/**
 * Fixture reports for the webview tests, generated (not hand-written) so the
 * statistics are internally consistent: for each quantizable tensor we draw a
 * deterministic sample of weights (Gaussian with a heavy-tailed 2 % outlier
 * component, scale varying with depth and projection kind as in trained
 * LLMs), run BitNet b1.58 absmean quantization on it in float64, and scale
 * the counts up to the tensor's real size. Shapes follow a BitNet-2B-like
 * Llama layout (30 layers, hidden 2560, FFN 6912, 5 KV heads of 128).
 *
 * test/fixtures/reports/llama-30l.json is `makeLlamaReport()`; regenerate it with
 *   npx esbuild test/webview/harness/writeFixtures.ts --bundle --platform=node --format=esm --outfile=/tmp/wf.mjs && node /tmp/wf.mjs
 */
import type { CheckpointReport, TensorReport, TensorStats, MemoryByFormat } from '../../../src/core/analysis/report.js';
import { mulberry32, standardNormal as gaussian } from '../../../src/core/random.js';

/** Round half to even, as PyTorch's round (bitnet-reference.md). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const r6 = (x: number): number => Number(x.toPrecision(6));

export function absmeanStats(w: Float64Array, params: number, bins = 128): TensorStats {
  const n = w.length;
  let sa = 0, s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const v of w) {
    sa += Math.abs(v);
    s += v;
    s2 += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const gamma = Math.max(sa / n, 1e-5);
  let z = 0, p = 0, m = 0, err2 = 0, dot = 0, q2 = 0;
  for (const v of w) {
    const q = Math.min(1, Math.max(-1, roundHalfEven(v / gamma)));
    if (q === 0) z++;
    else if (q > 0) p++;
    else m++;
    const d = v - q * gamma;
    err2 += d * d;
    dot += v * q;
    q2 += q * q;
  }
  const scale = params / n;
  const zeros = Math.round(z * scale);
  let plus = Math.round(p * scale);
  const minus = params - zeros - plus;
  if (minus < 0) plus += minus;
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (const v of w) counts[Math.min(bins - 1, Math.floor((v - min) / width))]!++;
  const entropy = [z, p, m].reduce((h, c) => (c > 0 ? h - (c / n) * Math.log2(c / n) : h), 0);
  const relRmse = Math.sqrt(err2 / s2);
  const mean = s / n;
  return {
    gamma: r6(gamma), zeros, plus, minus: Math.max(0, minus), zeroFraction: r6(zeros / params), entropyBits: r6(entropy),
    relRmse: r6(relRmse), cosine: r6(dot / Math.sqrt(s2 * q2)), sqnrDb: r6(-20 * Math.log10(relRmse)),
    min: r6(min), max: r6(max), mean: r6(mean), std: r6(Math.sqrt(s2 / n - mean * mean)), nonFinite: 0,
    histogram: { edges: Array.from({ length: bins + 1 }, (_, i) => r6(min + i * width)), counts: counts.map((c) => Math.round(c * scale)) },
    thresholds: [r6(-gamma / 2), r6(gamma / 2)],
  };
}

export interface LlamaShape {
  layers: number;
  hidden: number;
  ffn: number;
  kvDim: number;
  vocab: number;
  /** Weights drawn per tensor (statistics precision vs generation time). */
  sample: number;
  seed: number;
}

export const BITNET_2B_LIKE: LlamaShape = { layers: 30, hidden: 2560, ffn: 6912, kvDim: 640, vocab: 128256, sample: 16384, seed: 158 };

const PROJ: { name: string; kind: string; shape: (s: LlamaShape) => [number, number]; sigma: number }[] = [
  { name: 'self_attn.q_proj', kind: 'q', shape: (s) => [s.hidden, s.hidden], sigma: 0.021 },
  { name: 'self_attn.k_proj', kind: 'k', shape: (s) => [s.kvDim, s.hidden], sigma: 0.027 },
  { name: 'self_attn.v_proj', kind: 'v', shape: (s) => [s.kvDim, s.hidden], sigma: 0.012 },
  { name: 'self_attn.o_proj', kind: 'o', shape: (s) => [s.hidden, s.hidden], sigma: 0.011 },
  { name: 'mlp.gate_proj', kind: 'gate', shape: (s) => [s.ffn, s.hidden], sigma: 0.018 },
  { name: 'mlp.up_proj', kind: 'up', shape: (s) => [s.ffn, s.hidden], sigma: 0.015 },
  { name: 'mlp.down_proj', kind: 'down', shape: (s) => [s.hidden, s.ffn], sigma: 0.014 },
];

function kept(name: string, shape: number[], reason: string): TensorReport {
  const params = shape.reduce((a, b) => a * b, 1);
  return { name, dtype: 'BF16', shape, params, bytes: params * 2, quantized: false, reason, stats: null };
}

export function makeLlamaReport(s: LlamaShape = BITNET_2B_LIKE): CheckpointReport {
  const rand = mulberry32(s.seed);
  const tensors: TensorReport[] = [kept('model.embed_tokens.weight', [s.vocab, s.hidden], 'embedding')];
  const w = new Float64Array(s.sample);
  for (let l = 0; l < s.layers; l++) {
    const depth = l / Math.max(1, s.layers - 1);
    tensors.push(kept(`model.layers.${l}.input_layernorm.weight`, [s.hidden], 'norm'));
    for (const p of PROJ) {
      // Trained LLMs: attention q/k scales shrink with depth, FFN down grows; early layers are heavier-tailed.
      const trend = p.kind === 'q' || p.kind === 'k' ? 1.35 - 0.55 * depth : p.kind === 'down' ? 0.8 + 0.6 * depth : 1 + 0.15 * Math.sin(l / 3);
      const sigma = p.sigma * trend * (1 + 0.06 * gaussian(rand));
      const tail = 0.02 * (1.6 - depth);
      for (let i = 0; i < w.length; i++) w[i] = sigma * gaussian(rand) * (rand() < tail ? 4 : 1);
      const shape = p.shape(s);
      const params = shape[0] * shape[1];
      tensors.push({ name: `model.layers.${l}.${p.name}.weight`, dtype: 'BF16', shape, params, bytes: params * 2, quantized: true, stats: absmeanStats(w, params) });
    }
    tensors.push(kept(`model.layers.${l}.post_attention_layernorm.weight`, [s.hidden], 'norm'));
  }
  tensors.push(kept('model.norm.weight', [s.hidden], 'norm'));
  tensors.push(kept('lm_head.weight', [s.vocab, s.hidden], 'output head'));
  return assemble(tensors, `model-${s.layers}l.safetensors`);
}

/** Report totals and memory per format from the tensor list (kept tensors counted at F16 in ternary formats). */
export function assemble(tensors: TensorReport[], file: string): CheckpointReport {
  let params = 0, bytes = 0, qp = 0, qt = 0;
  const dtypeParams: Record<string, number> = {};
  for (const t of tensors) {
    params += t.params;
    bytes += t.bytes;
    dtypeParams[t.dtype] = (dtypeParams[t.dtype] ?? 0) + t.params;
    if (t.quantized) {
      qp += t.params;
      qt++;
    }
  }
  const kept2 = (params - qp) * 2;
  const memory: MemoryByFormat = {
    asStored: bytes, f32: params * 4, f16: params * 2, int8: qp + qt * 4 + kept2,
    hfBitnet: Math.ceil(qp / 4) + qt * 2 + kept2, tq2_0: Math.ceil((qp / 256) * 66) + kept2, tq1_0: Math.ceil((qp / 256) * 54) + kept2,
    i2_s: Math.ceil(qp / 4) + qt * 32 + kept2, ideal: Math.ceil((qp * Math.log2(3)) / 8) + kept2,
  };
  return {
    schemaVersion: 1, file: `/models/bitnet-2b-like/${file}`, format: 'safetensors', backend: 'js-stream', method: 'absmean',
    metadata: { format: 'pt', source: 'generated fixture: test/webview/harness/makeReport.ts (statistics from sampled weights)' },
    tensors, totals: { params, bytes, quantizedParams: qp, quantizedTensors: qt, dtypeParams, memory },
    provenance: {
      tool: 'bitnet-lab 0.1.0', engine: 'js-stream', settings: { method: 'absmean', include: [], exclude: [] },
      createdAt: '2026-01-15T10:00:00.000Z', seconds: 41.7, machine: 'AMD EPYC 7B13 (2 cores)',
    },
  };
}

/** A 30-layer report plus one NaN-flagged tensor and one tensor whose data was truncated. */
export function makeFixtureReport(): CheckpointReport {
  const r = makeLlamaReport();
  const nan = r.tensors.find((t) => t.name === 'model.layers.17.mlp.down_proj.weight')!;
  nan.stats!.nonFinite = 3;
  const bad = r.tensors.find((t) => t.name === 'model.layers.29.mlp.up_proj.weight')!;
  bad.stats = null;
  bad.error = 'truncated data: tensor needs bytes 5,402,234,880–5,437,624,320 but the file ends at 5,430,000,000';
  return r;
}

/** `n` quantized tensors (plus nothing else) for the virtualization test: fast, small statistics samples. */
export function makeManyTensorReport(n: number): CheckpointReport {
  const rand = mulberry32(7);
  const w = new Float64Array(512);
  const tensors: TensorReport[] = [];
  for (let i = 0; i < n; i++) {
    const sigma = 0.01 + 0.02 * rand();
    for (let k = 0; k < w.length; k++) w[k] = sigma * gaussian(rand);
    const shape = [256, 256];
    const kinds = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down', 'ffn_norm'];
    const name = `blk.${Math.floor(i / 8)}.${kinds[i % 8]}.weight`;
    if (i % 8 === 7) tensors.push({ name, dtype: 'F32', shape: [256], params: 256, bytes: 1024, quantized: false, reason: 'norm', stats: null });
    else tensors.push({ name, dtype: 'F32', shape, params: 65536, bytes: 262144, quantized: true, stats: absmeanStats(w, 65536, 16) });
  }
  return assemble(tensors, 'many-tensors.safetensors');
}
