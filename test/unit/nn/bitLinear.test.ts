/**
 * BitLinear forward values against the foundation quantizers applied by hand
 * (typed-array path, float64 matmul), and its gradients against the
 * straight-through definition: the gradient of the full-precision layer
 * evaluated at the fake-quantized weights / activations, by finite differences
 * in float64.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/core/backend.js';
import { linear, RMS_EPS } from '../../../src/core/nn/bitLinear.js';
import { Prng } from '../../../src/core/random.js';
import type { Tf } from '../../../src/core/nn/tf.js';
import { quantizeActivationsPerToken, dequantizeActivations } from '../../../src/core/quant/activation.js';
import { quantizeWeights } from '../../../src/core/quant/quantize.js';
import type { QuantMethod } from '../../../src/core/quant/types.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await initBackend('auto')).tf;
});

const IN = 24;
const OUT = 10;
const ROWS = 5;

function randn(n: number, seed: number, scale = 1): Float32Array {
  const p = new Prng(seed);
  return Float32Array.from({ length: n }, () => p.normal() * scale);
}

/** float64 RMSNorm with gain, rounded to float32 like the tfjs graph's input to quantization. */
function rmsNorm64(x: Float32Array, g: Float32Array, rows: number, d: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let ms = 0;
    for (let j = 0; j < d; j++) ms += x[r * d + j]! ** 2;
    const inv = 1 / Math.sqrt(ms / d + RMS_EPS);
    for (let j = 0; j < d; j++) out[r * d + j] = x[r * d + j]! * inv * g[j]!;
  }
  return out;
}

/** y = a [rows, k] @ b [k, cols] in float64. */
function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, k: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += a[r * k + j]! * b[j * cols + c]!;
    y[r * cols + c] = s;
  }
  return y;
}

/** The foundation quantizer on W stored [in, out]; per-tensor scale, so layout does not matter. */
function fakeQuantW(w: Float32Array, method: QuantMethod): Float32Array {
  const t = quantizeWeights(w, method);
  return Float32Array.from(t.codes, (c) => c * Math.fround(t.scale));
}

describe('BitLinear forward', () => {
  for (const method of ['absmean', 'median', 'sign'] as const) {
    it(`equals RMSNorm → int8 per-token → ${method} ternary → matmul, by hand`, () => {
      const x = randn(ROWS * IN, 1, 3);
      const w = randn(IN * OUT, 2, 0.2);
      const g = Float32Array.from(randn(IN, 3, 0.1), (v) => 1 + v);
      const y = tf.tidy(() =>
        linear(tf, tf.tensor2d(x, [ROWS, IN]), tf.tensor2d(w, [IN, OUT]), tf.tensor1d(g), { quantize: true, weightMethod: method, activationQuant: true }).dataSync(),
      );
      // By hand: the op normalises in float64 and rounds to float32 once; quantize that float32 input.
      const xn = Float32Array.from(rmsNorm64(x, g, ROWS, IN));
      const xq = dequantizeActivations(quantizeActivationsPerToken(xn, IN));
      const wq = fakeQuantW(w, method);
      const ref = matmul64(xq, wq, ROWS, IN, OUT);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(y[i]! - ref[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(ref[i]!)));
      // The fake-quant weights really are ternary (binary for sign) times one scale.
      const levels = new Set(Array.from(wq, (v) => Math.sign(v)));
      expect(levels.size).toBe(method === 'sign' ? 2 : 3);
    });
  }

  it('with quantize off is the plain normalised matmul (the FP baseline)', () => {
    const x = randn(ROWS * IN, 4);
    const w = randn(IN * OUT, 5, 0.2);
    const g = new Float32Array(IN).fill(1);
    const y = tf.tidy(() => linear(tf, tf.tensor2d(x, [ROWS, IN]), tf.tensor2d(w, [IN, OUT]), tf.tensor1d(g), { quantize: false, weightMethod: 'absmean', activationQuant: true }).dataSync());
    const ref = matmul64(rmsNorm64(x, g, ROWS, IN), w, ROWS, IN, OUT);
    for (let i = 0; i < ref.length; i++) expect(y[i]!).toBeCloseTo(ref[i]!, 4);
  });
});

describe('BitLinear gradients (straight-through estimator)', () => {
  const x = randn(ROWS * IN, 11, 2);
  const w = randn(IN * OUT, 12, 0.2);
  const g = Float32Array.from(randn(IN, 13, 0.1), (v) => 1 + v);
  const C = randn(ROWS * OUT, 14); // loss = Σ C ⊙ y
  const opt = { quantize: true, weightMethod: 'absmean' as const, activationQuant: true };

  function tfGrads(): { dx: Float32Array; dw: Float32Array; dg: Float32Array; xq: Float32Array; wq: Float32Array } {
    return tf.tidy(() => {
      const xt = tf.tensor2d(x, [ROWS, IN]);
      const wt = tf.tensor2d(w, [IN, OUT]);
      const gt = tf.tensor1d(g);
      const ct = tf.tensor2d(C, [ROWS, OUT]);
      const f = (a: typeof xt, b: typeof wt, c: typeof gt) => tf.sum(tf.mul(linear(tf, a, b, c, opt), ct));
      const [dx, dw, dg] = tf.grads(f as never)([xt, wt, gt]) as [typeof xt, typeof wt, typeof gt];
      const xn = Float32Array.from(rmsNorm64(x, g, ROWS, IN));
      return {
        dx: dx.dataSync() as Float32Array,
        dw: dw.dataSync() as Float32Array,
        dg: dg.dataSync() as Float32Array,
        xq: dequantizeActivations(quantizeActivationsPerToken(xn, IN)),
        wq: fakeQuantW(w, 'absmean'),
      };
    });
  }

  it('∂L/∂W (latent) equals the FP layer gradient at the quantized point (finite differences)', () => {
    const { dw, xq, wq } = tfGrads();
    // F(W') = Σ C ⊙ (x_q W'), differentiated numerically at W' = W_q in float64.
    const F = (wp: Float64Array): number => {
      const y = matmul64(xq, wp, ROWS, IN, OUT);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += C[i]! * y[i]!;
      return s;
    };
    const base = Float64Array.from(wq);
    const h = 1e-3;
    let checked = 0;
    for (let i = 0; i < base.length; i += 7) {
      const p = base.slice();
      const m = base.slice();
      p[i]! += h;
      m[i]! -= h;
      const fd = (F(p) - F(m)) / (2 * h);
      expect(Math.abs(dw[i]! - fd)).toBeLessThan(1e-3 * (1 + Math.abs(fd)));
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    // And it is not the (zero) gradient of the rounding itself.
    expect(dw.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it('∂L/∂x and ∂L/∂gain pass straight through the activation quantizer into RMSNorm', () => {
    const { dx, dg, wq } = tfGrads();
    // G(x, g) = Σ C ⊙ (RMSNorm(x)·g · W_q): the FP layer at the quantized weights, activation quant as identity.
    const G = (xx: Float32Array, gg: Float32Array): number => {
      const y = matmul64(rmsNorm64(xx, gg, ROWS, IN), wq, ROWS, IN, OUT);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += C[i]! * y[i]!;
      return s;
    };
    // Central differences in float64 (inputs perturbed in a float64 copy).
    const fdAt = (which: 'x' | 'g', i: number): number => {
      const h = 1e-3;
      const xs = Float64Array.from(x);
      const gs = Float64Array.from(g);
      const arr = which === 'x' ? xs : gs;
      arr[i]! += h;
      const plus = G(xs as unknown as Float32Array, gs as unknown as Float32Array);
      arr[i]! -= 2 * h;
      const minus = G(xs as unknown as Float32Array, gs as unknown as Float32Array);
      return (plus - minus) / (2 * h);
    };
    for (let i = 0; i < x.length; i += 5) {
      const fd = fdAt('x', i);
      expect(Math.abs(dx[i]! - fd)).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
    }
    for (let i = 0; i < IN; i += 3) {
      const fd = fdAt('g', i);
      expect(Math.abs(dg[i]! - fd)).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
    }
  });
});

describe('BitLinear with several weights side by side (q/k/v, gate/up)', () => {
  // More rows than inputs and more outputs than inputs: the products run in their transposed forms.
  const rows = 40, d = 8, outs = [12, 4, 4];
  const x = randn(rows * d, 21, 2);
  const ws = outs.map((o, i) => randn(d * o, 22 + i, 0.3));
  const g = Float32Array.from(randn(d, 25, 0.1), (v) => 1 + v);
  const C = randn(rows * 20, 26);
  const opt = { quantize: true, weightMethod: 'absmean' as const, activationQuant: true };

  it('equals the layers one by one, and dW / dgain are the straight-through products by hand', () => {
    const got = tf.tidy(() => {
      const xt = tf.tensor2d(x, [rows, d]);
      const wt = ws.map((w, i) => tf.tensor2d(w, [d, outs[i]!]));
      const gt = tf.tensor1d(g);
      const ct = tf.tensor2d(C, [rows, 20]);
      const y = linear(tf, xt, wt, gt, opt).dataSync() as Float32Array;
      const ones = wt.map((w) => linear(tf, xt, w, gt, opt).dataSync() as Float32Array);
      const grads = tf.grads(((a: typeof xt, b: typeof xt, c: typeof xt, e: typeof xt, h: typeof gt) => tf.sum(tf.mul(linear(tf, a, [b, c, e], h, opt), ct))) as never)([xt, ...wt, gt]) as Array<typeof xt>;
      return { y, ones, grads: grads.map((t) => t.dataSync() as Float32Array) };
    });
    // Forward: the columns of each weight are that layer alone.
    let col = 0;
    outs.forEach((o, i) => {
      for (let r = 0; r < rows; r++) for (let j = 0; j < o; j++) expect(got.y[r * 20 + col + j]).toBe(got.ones[i]![r * o + j]);
      col += o;
    });
    // dWi = aᵀ · C[:, cols of i], a = int8 fake-quant of the float64-normalised input, in float64.
    const a = dequantizeActivations(quantizeActivationsPerToken(Float32Array.from(rmsNorm64(x, g, rows, d)), d));
    col = 0;
    outs.forEach((o, i) => {
      const dw = got.grads[1 + i]!;
      for (let k = 0; k < d; k++) for (let j = 0; j < o; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += a[r * d + k]! * C[r * 20 + col + j]!;
        expect(Math.abs(dw[k * o + j]! - s)).toBeLessThan(1e-4 * (1 + Math.abs(s)));
      }
      col += o;
    });
    expect(got.grads[4]!.length).toBe(d);
  });
});

