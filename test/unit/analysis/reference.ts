/**
 * Float64 reference statistics written directly from the definitions, one
 * element at a time, independent of the streaming builder's algebra.
 */
import { roundHalfEven } from '../../../src/core/quant/rounding.js';
import type { QuantMethod } from '../../../src/core/quant/types.js';

export interface RefStats {
  gamma: number; zeros: number; plus: number; minus: number; relRmse: number; cosine: number; sqnrDb: number;
  min: number; max: number; mean: number; std: number; nonFinite: number; threshold: number;
}

export function referenceStats(data: Float32Array, method: QuantMethod): RefStats {
  const w = Array.from(data).filter((v) => Number.isFinite(v));
  const n = w.length;
  const mean = w.reduce((s, v) => s + v, 0) / n;
  const meanAbs = w.reduce((s, v) => s + Math.abs(v), 0) / n;
  let q: number[];
  let scale: number;
  let threshold: number;
  if (method === 'absmean') {
    scale = Math.max(meanAbs, 1e-5);
    threshold = scale / 2;
    q = w.map((v) => Math.max(-1, Math.min(1, roundHalfEven(v / scale))) + 0);
  } else if (method === 'sign') {
    scale = Math.max(meanAbs, 1e-5);
    threshold = mean;
    q = w.map((v) => (v - mean > 0 ? 1 : -1));
  } else {
    const sorted = w.map(Math.abs).sort((a, b) => a - b);
    threshold = sorted[Math.floor((n - 1) / 2)]!;
    q = w.map((v) => (Math.abs(v) > threshold ? Math.sign(v) : 0));
    const meanQ = q.reduce((s, c) => s + Math.abs(c), 0) / n;
    scale = meanQ > 0 ? Math.max(meanAbs, 1e-5) / meanQ : Math.max(meanAbs, 1e-5);
  }
  let e2 = 0;
  let w2 = 0;
  let dot = 0;
  let q2 = 0;
  let dev = 0;
  for (let i = 0; i < n; i++) {
    const r = q[i]! * scale;
    e2 += (w[i]! - r) ** 2;
    w2 += w[i]! ** 2;
    dot += w[i]! * r;
    q2 += r * r;
    dev += (w[i]! - mean) ** 2;
  }
  return {
    gamma: scale,
    zeros: q.filter((c) => c === 0).length,
    plus: q.filter((c) => c === 1).length,
    minus: q.filter((c) => c === -1).length,
    relRmse: Math.sqrt(e2 / w2),
    cosine: dot / Math.sqrt(w2 * q2),
    sqnrDb: 10 * Math.log10(w2 / e2),
    min: Math.min(...w),
    max: Math.max(...w),
    mean,
    std: Math.sqrt(dev / n),
    nonFinite: data.length - n,
    threshold,
  };
}
