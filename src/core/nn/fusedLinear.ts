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
 * element-wise work is one SIMD pass each (linearKernel.ts), and the three matmuls
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
import type { QuantMethod } from '../quant/types.js';
import { AbsMeanAccumulator, absmeanThreshold } from '../quant/absmean.js';
import { floorToFloat32 } from '../quant/rounding.js';
import { workspace, type Workspace } from './linearKernel.js';
import type { CustomGradFn, Tensor, Tf } from './tf.js';

export interface FusedLinearOptions {
  /** Fake-quantize the weights (ternary) and, with activationQuant, the input (int8). */
  quantize: boolean;
  weightMethod: QuantMethod;
  activationQuant: boolean;
  /** RMSNorm epsilon (only with a gain). */
  eps: number;
}

/** y [rows, Σ out_i] = BitLinear(x [rows, in]; W1 [in, out1], W2, …), normalised first when `gain` is given. */
export function fusedLinear(tf: Tf, x: Tensor, weights: Tensor[], gain: Tensor | null, opt: FusedLinearOptions): Tensor {
  if (x.rank !== 2) throw new Error(`internal: fusedLinear takes a 2-D input, got rank ${x.rank}`);
  const [rows, inDim] = x.shape as [number, number];
  const outs = weights.map((w) => w.shape[1]!);
  for (const w of weights) if (w.shape[0] !== inDim) throw new Error(`internal: weight [${w.shape.join(', ')}] does not take ${inDim} inputs`);
  const outDim = outs.reduce((a, b) => a + b, 0);
  const nw = weights.length;
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as (t: Tensor[]) => void;
    const ts = args as Tensor[];
    const ws = workspace(4 * (4 * rows * inDim + 3 * inDim * outDim + 2 * rows * outDim + inDim) + 8 * rows);
    let a = ws.alloc(rows * inDim);
    a.set(ts[0]!.dataSync() as Float32Array);
    if (gain) {
      const g = ws.alloc(inDim);
      g.set(ts[nw + 1]!.dataSync() as Float32Array);
      const n = ws.alloc(rows * inDim);
      ws.rmsNorm(a, g, n, ws.alloc64(rows), rows, inDim, opt.eps);
      a = n;
    }
    if (opt.quantize && opt.activationQuant) {
      const q = ws.alloc(rows * inDim);
      ws.actQuant(a, q, rows, inDim);
      a = q;
    }
    const wq = ws.alloc(inDim * outDim);
    packWeights(ws, ts.slice(1, 1 + nw), wq, inDim, outs, opt);
    // Which way round each product runs. tfjs-wasm (XNNPACK) repacks its right operand on every
    // call, which costs as much as the multiply when that operand is the larger one: with few rows
    // (the MLP's batch of 128) y = a·W̃ runs as yᵀ = W̃ᵀ·aᵀ, and dx = dy·W̃ᵀ as dxᵀ = W̃·dyᵀ; with
    // more outputs than inputs (q/k/v, gate/up) dW = aᵀ·dy runs as dWᵀ = dyᵀ·a.
    const yTransposed = outDim > rows;
    const dnTransposed = inDim > rows;
    const dwTransposed = outDim > inDim && rows > inDim;
    let aTt: Tensor | null = null;
    if (yTransposed || !dwTransposed) {
      const aT = ws.alloc(rows * inDim);
      ws.transpose(a, aT, rows, inDim);
      aTt = tf.tensor2d(aT, [inDim, rows]);
    }
    const wqt = dnTransposed || !yTransposed ? tf.tensor2d(wq, [inDim, outDim]) : null;
    let wqTt: Tensor | null = null;
    if (yTransposed || !dnTransposed) {
      const wqT = ws.alloc(inDim * outDim);
      ws.transpose(wq, wqT, inDim, outDim);
      wqTt = tf.tensor2d(wqT, [outDim, inDim]);
    }
    let value: Tensor;
    const at = !yTransposed || dwTransposed ? tf.tensor2d(a, [rows, inDim]) : null;
    if (yTransposed) {
      const yT = ws.alloc(outDim * rows);
      yT.set(tf.matMul(wqTt as never, aTt as never).dataSync() as Float32Array);
      const y = ws.alloc(rows * outDim);
      ws.transpose(yT, y, outDim, rows);
      value = tf.tensor2d(y, [rows, outDim]);
    } else value = tf.matMul(at as never, wqt as never);
    // The activation side dW needs (a or aᵀ), the weight side dx needs (W̃ or W̃ᵀ), and the norm's inputs (kept only while a gradient tape records).
    save([(dwTransposed ? at : aTt)!, (dnTransposed ? wqt : wqTt)!, ...(gain ? [ts[0]!, ts[nw + 1]!] : [])]);
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [aSide, wSide, xt, gt] = saved as [Tensor, Tensor, Tensor?, Tensor?];
        const bw = workspace(4 * (4 * rows * inDim + 2 * rows * outDim + 2 * inDim * outDim + inDim) + 8 * inDim);
        // dyᵀ, when a transposed product needs it.
        let dyT: Float32Array | null = null;
        if (dnTransposed || dwTransposed) {
          const dyv = bw.alloc(rows * outDim);
          dyv.set(dy.dataSync() as Float32Array);
          dyT = bw.alloc(rows * outDim);
          bw.transpose(dyv, dyT, rows, outDim);
        }
        let dWcat: Tensor;
        if (dwTransposed) {
          const dWT = bw.alloc(inDim * outDim);
          dWT.set(tf.matMul(tf.tensor2d(dyT!, [outDim, rows]), aSide as never).dataSync() as Float32Array);
          const dW = bw.alloc(inDim * outDim);
          bw.transpose(dWT, dW, outDim, inDim);
          dWcat = tf.tensor2d(dW, [inDim, outDim]);
        } else dWcat = tf.matMul(aSide as never, dy as never);
        const dWs = nw === 1 ? [dWcat] : tf.split(dWcat, outs, 1);
        const dnv = bw.alloc(rows * inDim);
        if (dnTransposed) {
          const dnT = bw.alloc(rows * inDim);
          dnT.set(tf.matMul(wSide as never, tf.tensor2d(dyT!, [outDim, rows])).dataSync() as Float32Array);
          bw.transpose(dnT, dnv, inDim, rows);
        } else {
          const dn = tf.matMul(dy as never, wSide as never);
          if (!xt || !gt) return [dn, ...dWs];
          dnv.set(dn.dataSync() as Float32Array);
        }
        if (!xt || !gt) return [tf.tensor2d(dnv, [rows, inDim]), ...dWs];
        const xv = bw.alloc(rows * inDim);
        xv.set(xt.dataSync() as Float32Array);
        const gv = bw.alloc(inDim);
        gv.set(gt.dataSync() as Float32Array);
        const dx = bw.alloc(rows * inDim);
        const dg = bw.alloc64(inDim);
        bw.rmsNormGrad(xv, gv, dnv, dx, dg, rows, inDim, opt.eps);
        return [tf.tensor2d(dx, [rows, inDim]), ...dWs, tf.tensor1d(new Float32Array(dg))];
      },
    };
  }) as unknown as CustomGradFn);
  return f(...(gain ? [x, ...weights, gain] : [x, ...weights]));
}

/** [W̃1 | W̃2 | …] into `out`, row-major [in, Σ out] (each quantized on its own when asked). */
function packWeights(ws: Workspace, weights: Tensor[], out: Float32Array, inDim: number, outs: number[], opt: FusedLinearOptions): void {
  const outDim = outs.reduce((a, b) => a + b, 0);
  let col = 0;
  weights.forEach((w, i) => {
    const data = w.dataSync() as Float32Array;
    const o = outs[i]!;
    if (opt.quantize && opt.weightMethod === 'absmean') {
      // γ from the foundation's float64 sum; the codes by float32 compares against ⌊γ/2⌋₃₂, the same decisions.
      const acc = new AbsMeanAccumulator();
      acc.add(data);
      const gamma = acc.gamma();
      const wv = ws.alloc(data.length);
      wv.set(data);
      ws.ternary(wv, out.subarray(col), inDim, o, outDim, floorToFloat32(absmeanThreshold(gamma)), Math.fround(gamma));
    } else if (opt.quantize) {
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
}
