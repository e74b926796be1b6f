import { describe, expect, it } from 'vitest';
import { layerQuality } from '../../../src/core/analysis/compareQuality.js';
import { createTsTernaryKernel } from '../../../src/core/kernels/tsKernel.js';
import { rng } from './rng.js';

/** Independent float64 BitLinear: absmean weights, per-token absmax int8 activations, half-to-even rounding. */
function bitLinearRef(w: Float32Array, out: number, inF: number, x: Float32Array, tokens: number) {
  let s = 0;
  for (const v of w) s += Math.abs(v);
  const gamma = Math.max(s / w.length, 1e-5);
  const rne = (v: number) => {
    const f = Math.floor(v);
    const d = v - f;
    return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  };
  const q = Array.from(w, (v) => Math.max(-1, Math.min(1, rne(v / gamma))));
  const y: number[] = [];
  for (let t = 0; t < tokens; t++) {
    let amax = 0;
    for (let j = 0; j < inF; j++) amax = Math.max(amax, Math.abs(x[t * inF + j]!));
    const sx = 127 / Math.max(amax, 1e-5);
    const xq = Array.from({ length: inF }, (_, j) => Math.max(-128, Math.min(127, rne(x[t * inF + j]! * sx))));
    for (let r = 0; r < out; r++) {
      let acc = 0;
      for (let j = 0; j < inF; j++) acc += xq[j]! * q[r * inF + j]!;
      y.push((acc * gamma) / sx);
    }
  }
  return { q, gamma, y };
}

describe('per-layer quality (ternary vs FP output error)', () => {
  it('matches an independent float64 recomputation of relative error and cosine', () => {
    const next = rng(5);
    const out = 24;
    const inF = 150;
    const tokens = 4;
    const w = new Float32Array(out * inF).map(() => (next() - 0.5) * 0.2);
    const x = new Float32Array(tokens * inF).map(() => next() * 2 - 1);
    const ref = bitLinearRef(w, out, inF, x, tokens);
    const q = layerQuality(createTsTernaryKernel(), 'w', w, Int8Array.from(ref.q), ref.gamma, out, inF, x, tokens, 0);
    let err = 0, nf = 0, nt = 0, dot = 0;
    for (let t = 0; t < tokens; t++) {
      for (let r = 0; r < out; r++) {
        let yf = 0;
        for (let j = 0; j < inF; j++) yf += x[t * inF + j]! * w[r * inF + j]!;
        const yt = ref.y[t * out + r]!;
        err += (yt - yf) ** 2; nf += yf * yf; nt += yt * yt; dot += yt * yf;
      }
    }
    expect(q.relError).toBeCloseTo(Math.sqrt(err / nf), 5);
    expect(q.cosine).toBeCloseTo(dot / Math.sqrt(nf * nt), 5);
    expect(q.relError).toBeGreaterThan(0);
  });

  it('reports zero error for a layer that is exactly ternary with inputs exactly on the int8 grid', () => {
    const w = Float32Array.from([0.5, -0.5, 0, 0.5, 0, -0.5]); // codes × 0.5
    const x = Float32Array.from([127, -64, 3]); // absmax 127 → sx = 1, already integers
    const q = layerQuality(createTsTernaryKernel(), 'w', w, Int8Array.from([1, -1, 0, 1, 0, -1]), 0.5, 2, 3, x, 1, 1 / 3);
    expect(q.relError).toBe(0);
    expect(q.cosine).toBeCloseTo(1, 12);
  });
});
