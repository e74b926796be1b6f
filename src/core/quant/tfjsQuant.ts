/**
 * The weight and activation quantizers on tfjs tensors — the path training
 * uses for fake quantization — built to agree bit for bit with the streaming
 * typed-array path (absmean.ts, median.ts, sign.ts, activation.ts):
 *
 * - Per-tensor statistics (γ, median, α, β) are computed on the JS side in
 *   float64 from the tensor's data (`dataSync`), never with `tf.mean`: on the
 *   wasm backend tf.mean accumulates in float32 and drifts (−1.55 % on 16 M
 *   values, enough to flip tens of thousands of codes; vscode-and-tfjs.md §1).
 *   Training weights are small, and every backend here is CPU memory, so the
 *   read-back is cheap.
 * - Codes come from comparisons with a float32 threshold: for float32 w,
 *   w > t ⇔ w > floorToFloat32(t), so the float32 graph makes exactly the
 *   decisions the float64 typed-array code makes.
 * - Activations: tf.round rounds half to even on every backend (tested), and
 *   tfjs arithmetic is float32 — the typed path emulates exactly that.
 * Call with the module from initBackend() (src/core/backend.ts).
 */
import type * as TF from '@tensorflow/tfjs';
import { AbsMeanAccumulator, absmeanThreshold } from './absmean.js';
import { ACTIVATION_EPS } from './activation.js';
import { medianAbsExact, medianScale } from './median.js';
import { floorToFloat32 } from './rounding.js';
import { signBeta } from './sign.js';
import type { QuantMethod } from './types.js';

type Tf = typeof TF;

export interface TfTernary {
  /** float32 tensor of −1 / 0 / +1, same shape as the input (caller disposes). */
  codes: TF.Tensor;
  scale: number;
}

/** Codes and scale of a weight tensor; agrees exactly with quantizeWeights() on the same data. */
export function tfQuantizeWeights(tf: Tf, w: TF.Tensor, method: QuantMethod): TfTernary {
  const data = w.dataSync() as Float32Array;
  if (method === 'sign') {
    let sum = 0;
    let sumAbs = 0;
    let count = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v - v !== 0) continue;
      sum += v;
      sumAbs += Math.abs(v);
      count++;
    }
    const alpha32 = floorToFloat32(count > 0 ? sum / count : 0);
    const codes = tf.tidy(() => finiteOnly(tf, w, tf.sub(tf.mul(tf.cast(tf.greater(w, alpha32), 'float32'), 2), 1)));
    return { codes, scale: signBeta(sumAbs, count) };
  }
  let threshold: number;
  let scaleOf: (nonzero: number) => number;
  const acc = new AbsMeanAccumulator();
  acc.add(data);
  if (method === 'absmean') {
    const gamma = acc.gamma();
    threshold = absmeanThreshold(gamma);
    scaleOf = () => gamma;
  } else {
    threshold = medianAbsExact(data);
    scaleOf = (nonzero) => medianScale(acc.sumAbs, acc.count, nonzero);
  }
  const t32 = floorToFloat32(threshold);
  const codes = tf.tidy(() => finiteOnly(tf, w, tf.sub(tf.cast(tf.greater(w, t32), 'float32'), tf.cast(tf.less(w, -t32), 'float32'))));
  let nonzero = 0;
  if (method === 'median') {
    const c = codes.dataSync();
    for (let i = 0; i < c.length; i++) if (c[i] !== 0) nonzero++;
  }
  return { codes, scale: scaleOf(nonzero) };
}

/** Code 0 (a true +0, not −0) where w is NaN/±Inf, as the typed-array path does. */
function finiteOnly(tf: Tf, w: TF.Tensor, codes: TF.Tensor): TF.Tensor {
  return tf.where(tf.isFinite(w), codes, tf.zerosLike(codes));
}

/** W̃ = Q·scale (float32), the forward value of a fake-quantized weight. No gradient handling here. */
export function tfWeightFakeQuant(tf: Tf, w: TF.Tensor, method: QuantMethod): TF.Tensor {
  const { codes, scale } = tfQuantizeWeights(tf, w, method);
  const out = tf.mul(codes, Math.fround(scale));
  codes.dispose();
  return out;
}

export interface TfInt8Activations {
  /** float32 tensor holding integers in [−128, 127], same shape as x. */
  codes: TF.Tensor;
  /** sx per token, shape [..., 1]. */
  scales: TF.Tensor;
}

/** Per-token (last axis) absmax int8: sx = 127/max(max|x|, 1e-5), codes = clamp(round(x·sx), −128, 127). */
export function tfQuantizeActivations(tf: Tf, x: TF.Tensor): TfInt8Activations {
  return tf.tidy(() => {
    // NaN counts as 0 (left out of the max, code 0), as in the typed-array path;
    // tf.max would otherwise propagate it, differently per backend.
    const clean = tf.where(tf.isNaN(x), tf.zerosLike(x), x);
    const absmax = tf.maximum(tf.max(tf.abs(clean), -1, true), Math.fround(ACTIVATION_EPS));
    const scales = tf.div(127, absmax);
    const raw = tf.clipByValue(tf.round(tf.mul(clean, scales)), -128, 127);
    const codes = tf.where(tf.isNaN(raw), tf.zerosLike(raw), raw);
    return { codes, scales };
  });
}
