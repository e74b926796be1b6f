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
import { fusedLinear } from './fusedLinear.js';
import type { Tensor, Tf } from './tf.js';

export const RMS_EPS = 1e-5;

export interface LinearOptions {
  /** false: plain float matmul (the FP baseline). */
  quantize: boolean;
  weightMethod: QuantMethod;
  /** Per-token int8 activations (on by default; off for weight-only ablations). */
  activationQuant: boolean;
}

/**
 * One linear layer, BitLinear or FP per `opt`, as one op (fusedLinear.ts).
 * `x` is [..., in]; flattened to 2-D for the matmul and reshaped back.
 * Several weights [in, out_i] reading the same input give one output
 * [..., Σ out_i] with their columns side by side (q/k/v, gate/up).
 * `normGain` null means the input is used as it is.
 */
export function linear(tf: Tf, x: Tensor, weight: Tensor | Tensor[], normGain: Tensor | null, opt: LinearOptions, eps = RMS_EPS): Tensor {
  const weights = Array.isArray(weight) ? weight : [weight];
  const inDim = x.shape[x.shape.length - 1]!;
  const lead = x.shape.slice(0, -1);
  const h = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
  const y = fusedLinear(tf, h, weights, normGain, { ...opt, eps });
  return x.rank === 2 ? y : tf.reshape(y, [...lead, y.shape[1]!]);
}
