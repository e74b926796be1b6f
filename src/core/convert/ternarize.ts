/**
 * The quantizer call of the engine, with a faster absmean path that gives
 * bit-identical results to src/core/quant's `quantizeAbsmean`:
 *  - γ: the same float64 sum of |W| over finite values, accumulated in index
 *    order with one running sum (exactly what AbsMeanAccumulator.add does
 *    over a whole tensor), turned into γ by the shared absmeanGammaFromSum;
 *    the engine accumulates it while the tensor's chunks are still in cache.
 *  - codes: the same rule (+1 above γ/2, −1 below −γ/2, else 0) via the
 *    shared absmeanThreshold, computed branch-free for all-finite tensors —
 *    weights near ±γ/2 make the comparison unpredictable, and mispredicted
 *    branches were the engine's largest cost. Tensors with NaN/±Inf take the
 *    shared implementation, which zeroes them.
 * Parity is tested against `quantizeWeights` in test/unit/convert.
 */
import { absmeanGammaFromSum, absmeanThreshold, ternaryCodesByThreshold } from '../quant/absmean.js';
import { quantizeWeights } from '../quant/quantize.js';
import { SingleMagnitude } from '../quant/singleMagnitude.js';
import { GAMMA_EPS, type QuantMethod, type TernaryTensor } from '../quant/types.js';

/** Running Σ|W| over finite values, in index order. */
export class AbsSum {
  sum = 0;
  count = 0;
  add(w: Float32Array): void {
    let s = this.sum;
    let n = this.count;
    for (let i = 0; i < w.length; i++) {
      const v = w[i]!;
      if (v - v === 0) {
        s += Math.abs(v);
        n++;
      }
    }
    this.sum = s;
    this.count = n;
  }
}

/** `abs` must hold the AbsSum of exactly `w` (in order) when given; otherwise it is computed here. */
export function ternarize(w: Float32Array, method: QuantMethod, codes?: Int8Array, abs?: AbsSum): TernaryTensor {
  if (method !== 'absmean') return quantizeWeights(w, method);
  let acc = abs;
  if (acc === undefined) {
    acc = new AbsSum();
    acc.add(w);
  }
  const gamma = absmeanGammaFromSum(acc.sum, acc.count);
  const t = absmeanThreshold(gamma);
  const out = codes && codes.length >= w.length ? codes.subarray(0, w.length) : new Int8Array(w.length);
  if (acc.count !== w.length) return { codes: ternaryCodesByThreshold(w, t, out as Int8Array<ArrayBuffer>), scale: gamma };
  const nt = -t;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    out[i] = ((v > t) as unknown as number) - ((v < nt) as unknown as number);
  }
  return { codes: out, scale: gamma };
}

/**
 * The codes and γ an already-ternary tensor holds (HF packed, TQ1_0/TQ2_0,
 * I2_S decoded to ±γ/0, or fake-quant floats; the rule is singleMagnitude.ts):
 * the signs and the one magnitude, exactly what the file says. Otherwise
 * (per-block scales that differ) undefined: the caller quantizes.
 */
export function storedTernary(w: Float32Array, codes?: Int8Array): TernaryTensor | undefined {
  const watch = new SingleMagnitude();
  if (!watch.add(w)) return undefined;
  const out = codes && codes.length >= w.length ? codes.subarray(0, w.length) : new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = Math.sign(w[i]!);
  // An all-zero tensor keeps the floor γ the quantizers use (bitnet-reference.md §0.1).
  return { codes: out, scale: watch.magnitude ?? GAMMA_EPS };
}
