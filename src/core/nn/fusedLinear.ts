/**
 * BitLinear as one op with a hand-written backward pass: RMSNorm with gain
 * (optional) → per-token int8 fake-quant → x̂ · [W̃1 | W̃2 | …], where every
 * W̃i is its own per-tensor ternary fake-quant. Several weights that read the
 * same input (q/k/v, gate/up) become one wider matmul, and the input is
 * normalised and quantized once.
 *
 * Why not tfjs ops: the composite (norm, the NaN-safe quantizer's dozen ops,
 * the weight quantizer's compares, two transposes per matmul gradient, the
 * reductions of the norm gradient) was most of a training step on the wasm
 * backend — per-op profile in bench/training.mjs's notes. Here the
 * element-wise work is one pass each on typed arrays, and the three matmuls
 * stay tfjs (XNNPACK) with both operands in the plain layout tfjs multiplies
 * fastest (vscode-and-tfjs.md §1: its transposed matmuls are 5–10× slower).
 *
 * Definition (bitLinear.ts; FAQ Fig. 3; bitnet-reference.md §1.2–§1.4):
 *   x̄ = x · r,  r = 1/√(mean(x²) + ε) per row (float64, then float32 at n)
 *   n = x̄ · g                                   (no norm: n = x)
 *   a = actQuant(n) = clamp(round(n·sx), −128, 127) / sx,  sx = 127 / max(max|n|, 1e-5)   (or a = n)
 *   y = a · W̃,  W̃ = [W̃1 | W̃2 | …] side by side, W̃i = weightQuant(Wi)                  (or W̃i = Wi)
 * Straight-through backward (both quantizers pass the gradient unchanged):
 *   dWi = aᵀ · dy[:, cols of i];  dn = dy · W̃ᵀ
 *   dg = Σ_rows dn ⊙ x̄;  dx̄ = dn ⊙ g;  dx = r · (dx̄ − x̄ · mean(dx̄ ⊙ x̄))
 * The quantizers are the typed-array ones the inspector uses
 * (src/core/quant), so training sees what analysis reports, bit for bit.
 */
import { quantizeWeights } from '../quant/quantize.js';
import { ACTIVATION_EPS } from '../quant/activation.js';
import type { QuantMethod } from '../quant/types.js';
import type { CustomGradFn, Tensor, Tf } from './tf.js';

export interface FusedLinearOptions {
  /** Fake-quantize the weights (ternary) and, with activationQuant, the input (int8). */
  quantize: boolean;
  weightMethod: QuantMethod;
  activationQuant: boolean;
  /** RMSNorm epsilon (only with a gain). */
  eps: number;
  /** false when x is data (the MLP's pixels): its gradient is returned as zeros without the dy·W̃ᵀ matmul. */
  inputGrad?: boolean;
}

/** y [rows, Σ out_i] = BitLinear(x [rows, in]; W1 [in, out1], W2, …), normalised first when `gain` is given. */
export function fusedLinear(tf: Tf, x: Tensor, weights: Tensor[], gain: Tensor | null, opt: FusedLinearOptions): Tensor {
  if (x.rank !== 2) throw new Error(`internal: fusedLinear takes a 2-D input, got rank ${x.rank}`);
  const [rows, inDim] = x.shape as [number, number];
  const outs = weights.map((w) => w.shape[1]!);
  for (const w of weights) if (w.shape[0] !== inDim) throw new Error(`internal: weight [${w.shape.join(', ')}] does not take ${inDim} inputs`);
  const outDim = outs.reduce((a, b) => a + b, 0);
  const inputs = gain ? [x, ...weights, gain] : [x, ...weights];
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as (t: Tensor[]) => void;
    save([]);
    const ts = args as Tensor[];
    const xs = ts[0]!.dataSync() as Float32Array;
    const g = gain ? (ts[ts.length - 1]!.dataSync() as Float32Array) : null;
    const norm = g ? rmsNormRows(xs, rows, inDim, g, opt.eps) : null;
    let a = norm ? norm.n : xs;
    if (opt.quantize && opt.activationQuant) a = actFakeQuantRows(a, rows, inDim);
    const wq = packWeights(ts.slice(1, 1 + weights.length), inDim, outs, opt);
    const value = tf.matMul(tf.tensor2d(a, [rows, inDim]), tf.tensor2d(wq, [inDim, outDim]));
    return {
      value,
      gradFunc: (dy: Tensor) => {
        const dWcat = tf.matMul(tf.tensor2d(transpose(a, rows, inDim), [inDim, rows]), dy as never);
        const dWs = weights.length === 1 ? [dWcat] : tf.split(dWcat, outs, 1);
        let dx: Tensor;
        let dg: Tensor | null = null;
        if (opt.inputGrad === false) dx = tf.zeros([rows, inDim]);
        else {
          const dn = tf.matMul(dy as never, tf.tensor2d(transpose(wq, inDim, outDim), [outDim, inDim]));
          if (norm && g) {
            const back = rmsNormBackward(dn.dataSync() as Float32Array, norm, g, rows, inDim);
            dx = tf.tensor2d(back.dx, [rows, inDim]);
            dg = tf.tensor1d(back.dg);
          } else dx = dn;
        }
        if (gain && !dg) dg = tf.zeros([inDim]);
        return dg ? [dx, ...dWs, dg] : [dx, ...dWs];
      },
    };
  }) as unknown as CustomGradFn);
  return f(...inputs);
}

interface NormSaved {
  /** x̄ = x · r (float32) and r per row (float64). */
  xbar: Float32Array;
  r: Float64Array;
  /** n = x̄ · g, float32. */
  n: Float32Array;
}

function rmsNormRows(x: Float32Array, rows: number, d: number, g: Float32Array, eps: number): NormSaved {
  const xbar = new Float32Array(x.length);
  const n = new Float32Array(x.length);
  const r = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const o = row * d;
    let ms = 0;
    for (let j = 0; j < d; j++) ms += x[o + j]! * x[o + j]!;
    const inv = 1 / Math.sqrt(ms / d + eps);
    r[row] = inv;
    for (let j = 0; j < d; j++) {
      const v = x[o + j]! * inv;
      xbar[o + j] = v;
      n[o + j] = v * g[j]!;
    }
  }
  return { xbar, r, n };
}

function rmsNormBackward(dn: Float32Array, s: NormSaved, g: Float32Array, rows: number, d: number): { dx: Float32Array; dg: Float32Array } {
  const dx = new Float32Array(dn.length);
  const dg64 = new Float64Array(d);
  for (let row = 0; row < rows; row++) {
    const o = row * d;
    let dot = 0;
    for (let j = 0; j < d; j++) {
      const xb = s.xbar[o + j]!;
      const dnj = dn[o + j]!;
      dg64[j] += dnj * xb;
      dot += dnj * g[j]! * xb;
    }
    const m = dot / d;
    const r = s.r[row]!;
    for (let j = 0; j < d; j++) dx[o + j] = r * (dn[o + j]! * g[j]! - s.xbar[o + j]! * m);
  }
  return { dx, dg: new Float32Array(dg64) };
}

/** 1.5 · 2^52: v + M − M rounds a float64 |v| < 2^51 to an integer, ties to even (IEEE round-to-nearest). */
const ROUND_MAGIC = 6755399441055744;

/**
 * Per-row absmax int8 fake-quant, the value codes / sx: the same float32
 * arithmetic as quantizeActivationsPerToken + dequantizeActivations
 * (src/core/quant/activation.ts), NaN as 0.
 */
export function actFakeQuantRows(x: Float32Array, rows: number, d: number): Float32Array {
  const out = new Float32Array(x.length);
  const eps32 = Math.fround(ACTIVATION_EPS);
  const fr = Math.fround;
  for (let row = 0; row < rows; row++) {
    const o = row * d;
    let absmax = 0;
    for (let j = 0; j < d; j++) {
      const v = Math.abs(x[o + j]!);
      if (v > absmax) absmax = v;
    }
    const sx = fr(127 / Math.max(absmax, eps32));
    for (let j = 0; j < d; j++) {
      // Clamp, then round half to even by the float64 magic number (exact for |v| < 2^51): the
      // same codes as roundHalfEven-then-clamp, since the bounds are integers; NaN gives code 0.
      let v = fr(x[o + j]! * sx);
      v = v > 127 ? 127 : v < -128 ? -128 : v;
      const c = v + ROUND_MAGIC - ROUND_MAGIC;
      out[o + j] = c === c ? c / sx : 0;
    }
  }
  return out;
}

/** [W̃1 | W̃2 | …] as one row-major [in, Σ out] array (each quantized on its own when asked). */
function packWeights(ws: Tensor[], inDim: number, outs: number[], opt: FusedLinearOptions): Float32Array {
  const outDim = outs.reduce((a, b) => a + b, 0);
  const out = new Float32Array(inDim * outDim);
  let col = 0;
  ws.forEach((w, i) => {
    const data = w.dataSync() as Float32Array;
    const o = outs[i]!;
    if (opt.quantize) {
      const t = quantizeWeights(data, opt.weightMethod);
      const codes = t.codes;
      const scale = Math.fround(t.scale);
      for (let r = 0; r < inDim; r++) {
        const src = r * o;
        const dst = r * outDim + col;
        for (let j = 0; j < o; j++) out[dst + j] = codes[src + j]! * scale;
      }
    } else for (let r = 0; r < inDim; r++) out.set(data.subarray(r * o, r * o + o), r * outDim + col);
    col += o;
  });
  return out;
}

/** [rows, cols] → [cols, rows], in tiles so both sides stay in cache. */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let c = c0; c < c1; c++) for (let r = r0; r < r1; r++) out[c * rows + r] = a[r * cols + c]!;
    }
  }
  return out;
}
