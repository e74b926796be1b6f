/**
 * The SIMD kernels of BitLinear and AdamW (linear.wat) against their plain-JS
 * loops (linearKernel.ts), value for value on random rows with the awkward
 * values in them (NaN, ±0, exact rounding ties, values past the int8 range) —
 * and the JS activation quantizer against the foundation's typed-array one.
 */
import { describe, expect, it } from 'vitest';
import { jsWorkspace, workspace, type Workspace } from '../../../src/core/nn/linearKernel.js';
import { dequantizeActivations, quantizeActivationsPerToken } from '../../../src/core/quant/activation.js';
import { absmeanGamma, absmeanThreshold, quantizeAbsmean } from '../../../src/core/quant/absmean.js';
import { floorToFloat32 } from '../../../src/core/quant/rounding.js';
import { Prng } from '../../../src/core/random.js';

const ROWS = 12;
const D = 40;

function randn(n: number, seed: number, scale = 1): Float32Array {
  const p = new Prng(seed);
  return Float32Array.from({ length: n }, () => p.normal() * scale);
}

/** Rows with NaN, −0, ties (k + ½ after scaling by 127 / absmax = 1 when absmax is 127) and huge values. */
function awkward(): Float32Array {
  const x = randn(ROWS * D, 1, 3);
  x[3] = NaN;
  x[D + 1] = -0;
  for (let j = 0; j < D; j++) x[2 * D + j] = j === 0 ? 127 : (j % 9) - 4 + 0.5; // sx = 1: every other value a tie
  x[3 * D + 5] = 1e30;
  for (let j = 0; j < D; j++) x[4 * D + j] = 0; // an all-zero row (eps clamps the scale)
  return x;
}

function both(bytes: number): [Workspace, Workspace] {
  const w = workspace(bytes);
  const j = jsWorkspace();
  return [w, j];
}

/** Same values, NaN included, and the same sign of zero. */
function expectSame(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`index ${i}: ${a[i]} vs ${b[i]}`);
}

describe('linear.wat against the JS loops', () => {
  it('activation quantizer: the very values of the foundation quantizer, in both', () => {
    const x = awkward();
    const [w, j] = both(1 << 16);
    const xin = w.alloc(x.length);
    xin.set(x);
    const outW = w.alloc(x.length);
    w.actQuant(xin, outW, ROWS, D);
    const outJ = new Float32Array(x.length);
    j.actQuant(x, outJ, ROWS, D);
    expectSame(outW, outJ);
    // The foundation (typed-array quantizer + dequantizer), with +0 for its zero codes.
    const ref = dequantizeActivations(quantizeActivationsPerToken(x, D));
    expectSame(outJ, Float32Array.from(ref, (v) => v + 0));
    // Ties went to even on the row scaled by exactly 1: 0.5 → 0, 1.5 → 2, −2.5 → −2.
    expect(outJ[2 * D + 5]).toBe(2); // (5 % 9) − 4 + 0.5 = 1.5
    expect(outJ[2 * D + 4]).toBe(0); // 0.5
  });

  it('RMSNorm forward and backward', () => {
    const x = randn(ROWS * D, 2, 2);
    const g = randn(D, 3, 0.2).map((v) => 1 + v);
    const dn = randn(ROWS * D, 4);
    const [w, j] = both(1 << 16);
    const put = (a: Float32Array): Float32Array => { const v = w.alloc(a.length); v.set(a); return v; };
    const [xw, gw, dnw] = [put(x), put(g), put(dn)];
    const nW = w.alloc(x.length), rW = w.alloc64(ROWS), dxW = w.alloc(x.length), dgW = w.alloc64(D);
    w.rmsNorm(xw, gw, nW, rW, ROWS, D, 1e-5);
    w.rmsNormGrad(xw, gw, dnw, dxW, dgW, ROWS, D, 1e-5);
    const nJ = new Float32Array(x.length), rJ = new Float64Array(ROWS), dxJ = new Float32Array(x.length), dgJ = new Float64Array(D);
    j.rmsNorm(x, g, nJ, rJ, ROWS, D, 1e-5);
    j.rmsNormGrad(x, g, dn, dxJ, dgJ, ROWS, D, 1e-5);
    expectSame(nW, nJ);
    expectSame(rW, rJ);
    expectSame(dxW, dxJ);
    expectSame(dgW, dgJ);
    // And the JS loops are RMSNorm: row 0 by hand.
    let ms = 0;
    for (let i = 0; i < D; i++) ms += x[i]! ** 2;
    expect(nJ[7]).toBeCloseTo((x[7]! / Math.sqrt(ms / D + 1e-5)) * g[7]!, 6);
  });

  it('transpose', () => {
    const a = randn(ROWS * D, 5);
    const [w, j] = both(1 << 16);
    const aw = w.alloc(a.length);
    aw.set(a);
    const tW = w.alloc(a.length);
    w.transpose(aw, tW, ROWS, D);
    const tJ = new Float32Array(a.length);
    j.transpose(a, tJ, ROWS, D);
    expectSame(tW, tJ);
    expect(tJ[7 * ROWS + 3]).toBe(a[3 * D + 7]);
  });

  it('AdamW update in float32', () => {
    const n = 64;
    const [wt, g, m, v] = [randn(n, 6), randn(n, 7), randn(n, 8, 0.1), randn(n, 9, 0.01).map(Math.abs)];
    const s = { beta1: 0.9, beta2: 0.95, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.95 ** 3, eps: 1e-8, lr: 1e-3, decay: 0.1 };
    const [w, j] = both(1 << 16);
    const put = (a: Float32Array): Float32Array => { const x = w.alloc(a.length); x.set(a); return x; };
    const vw = [put(wt), put(g), put(m), put(v)] as const;
    w.adam(vw[0], vw[1], vw[2], vw[3], s);
    const vj = [wt.slice(), g.slice(), m.slice(), v.slice()] as const;
    j.adam(vj[0], vj[1], vj[2], vj[3], s);
    for (let k = 0; k < 4; k++) expectSame(vw[k]!, vj[k]!);
    // One element by hand in float64: agrees to float32 precision.
    const m0 = 0.9 * m[0]! + 0.1 * g[0]!;
    const v0 = 0.95 * v[0]! + 0.05 * g[0]! ** 2;
    const w0 = wt[0]! - 1e-3 * (m0 / s.bc1 / (Math.sqrt(v0 / s.bc2) + 1e-8) + 0.1 * wt[0]!);
    expect(vj[0][0]).toBeCloseTo(w0, 5);
  });

  it('ternary fake-quant: the codes of quantizeAbsmean, into a wider matrix', () => {
    const rows = 8, cols = 12, stride = 20, col = 4;
    const w = randn(rows * cols, 10, 0.1);
    w[3] = NaN;
    w[4] = Infinity;
    w[5] = -Infinity;
    const g = absmeanGamma(w);
    const tt = floorToFloat32(absmeanThreshold(g));
    const ref = quantizeAbsmean(w);
    const s32 = Math.fround(ref.scale);
    const [ws, js] = both(1 << 16);
    const wv = ws.alloc(w.length);
    wv.set(w);
    const outW = ws.alloc(rows * stride).fill(0); // alloc() is uninitialised; the kernel writes only its columns
    ws.ternary(wv, outW.subarray(col), rows, cols, stride, tt, s32);
    const outJ = new Float32Array(rows * stride);
    js.ternary(w, outJ.subarray(col), rows, cols, stride, tt, s32);
    expectSame(outW, outJ);
    for (let r = 0; r < rows; r++) for (let j = 0; j < stride; j++) {
      const want = j < col || j >= col + cols ? 0 : ref.codes[r * cols + j - col]! * s32;
      expect(outJ[r * stride + j]).toBe(want);
    }
    expect(new Set(ref.codes).size).toBe(3);
  });

  it('runs the JS loop on its own views where a row length is not a multiple of 4', () => {
    const x = awkward().subarray(0, 6 * 10);
    const w = workspace(1 << 12);
    const xin = w.alloc(x.length);
    xin.set(x);
    const out = w.alloc(x.length);
    w.actQuant(xin, out, 6, 10);
    const ref = new Float32Array(x.length);
    jsWorkspace().actQuant(x, ref, 6, 10);
    expectSame(out, ref);
  });
});
