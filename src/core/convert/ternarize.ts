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
import type { QuantMethod, TernaryTensor } from '../quant/types.js';

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
