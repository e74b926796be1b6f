/**
 * BitLinear (BitNet b1.58, FAQ §3 / bitnet-reference.md §1.3–§1.4):
 *   x̂ = RMSNorm(x)·g  →  per-token absmax int8 fake-quant  →  ternary fake-quant of W  →  x̂ W
 * with straight-through gradients to the full-precision latent W (and to x̂).
 *
 * Weights are stored [in, out] and multiplied as matMul(x, W): the transposed
 * layout is 5–9× slower on the wasm backend (vscode-and-tfjs.md §1).
 * Checkpoints store the PyTorch layout [out, in]; see checkpoint.ts.
 *
 * With `quantize: false` the same layer is the full-precision baseline
 * (norm kept), so BitNet and FP differ in quantization only.
 */
import type { QuantMethod } from '../quant/types.js';
import { steActivation, steWeight } from './fakeQuant.js';
import { fastMatMul } from './fastMatMul.js';
import type { Tensor, Tf } from './tf.js';

export const RMS_EPS = 1e-5;

export interface LinearOptions {
  /** false: plain float matmul (the FP baseline). */
  quantize: boolean;
  weightMethod: QuantMethod;
  /** Per-token int8 activations (on by default; off for weight-only ablations). */
  activationQuant: boolean;
}

/** RMSNorm over the last axis with a learnable gain (no bias); eps 1e-5 as in 2B4T unless the model says otherwise. */
export function rmsNorm(tf: Tf, x: Tensor, gain: Tensor | undefined, eps = RMS_EPS): Tensor {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true);
    const y = tf.mul(x, tf.rsqrt(tf.add(ms, eps)));
    return gain ? tf.mul(y, gain) : y;
  });
}

/**
 * One linear layer, BitLinear or FP per `opt`. `x` is [..., in]; the input is
 * flattened to 2-D for the matmul and reshaped back. `normGain` null means
 * the caller already normalised the input (a block pre-norm shared by q/k/v).
 */
export function linear(tf: Tf, x: Tensor, weight: Tensor, normGain: Tensor | null, opt: LinearOptions, eps = RMS_EPS): Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const outDim = weight.shape[1]!;
  const lead = x.shape.slice(0, -1);
  let h = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
  if (normGain !== null) h = rmsNorm(tf, h, normGain, eps);
  let w = weight;
  if (opt.quantize) {
    if (opt.activationQuant) h = steActivation(tf, h);
    w = steWeight(tf, weight, opt.weightMethod);
  }
  const y = fastMatMul(tf, h, w);
  return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
}
