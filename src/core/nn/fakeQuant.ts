/**
 * Straight-through estimators for BitLinear (FAQ §3: x + (q(x) − x).detach();
 * bitnet-reference.md §1.4): the forward value is the fake-quantized tensor,
 * the backward pass is the identity, so gradients reach the full-precision
 * latent weights. tf.round has a zero gradient, so without this nothing trains.
 *
 * The quantizers themselves are the foundation's tfjs path
 * (src/core/quant/tfjsQuant.ts), which agrees bit for bit with the typed-array
 * quantizers the inspector uses: what training sees is what analysis reports.
 */
import { tfQuantizeActivations, tfWeightFakeQuant } from '../quant/tfjsQuant.js';
import type { QuantMethod } from '../quant/types.js';
import type { CustomGradFn, Tensor, Tf } from './tf.js';

/** Ternary (or 1-bit) fake-quant W̃ = Q·scale; no gradient handling. */
export function weightFakeQuant(tf: Tf, w: Tensor, method: QuantMethod): Tensor {
  return tfWeightFakeQuant(tf, w, method);
}

/** Per-token absmax int8 fake-quant Xq / sx; no gradient handling. */
export function activationFakeQuant(tf: Tf, x: Tensor): Tensor {
  return tf.tidy(() => {
    const { codes, scales } = tfQuantizeActivations(tf, x);
    return tf.div(codes, scales);
  });
}

export function steWeight(tf: Tf, w: Tensor, method: QuantMethod): Tensor {
  const f = tf.customGrad(((x: Tensor, save: (t: Tensor[]) => void) => {
    save([]);
    return { value: weightFakeQuant(tf, x, method), gradFunc: (dy: Tensor) => dy };
  }) as unknown as CustomGradFn);
  return f(w);
}

export function steActivation(tf: Tf, x: Tensor): Tensor {
  const f = tf.customGrad(((v: Tensor, save: (t: Tensor[]) => void) => {
    save([]);
    return { value: activationFakeQuant(tf, v), gradFunc: (dy: Tensor) => dy };
  }) as unknown as CustomGradFn);
  return f(x);
}
