/**
 * Original 1-bit BitNet (arXiv 2310.11453 §2.1): W̃ = Sign(W − α), α = mean W,
 * with Sign(0) = −1, and the dequantization scale β = mean|W| (= ‖W‖₁/(n·m)).
 * β is clamped at 1e-5 like γ so an all-zero tensor keeps a defined scale.
 * Means are float64 over the finite values; non-finite inputs get code 0.
 */
import { GAMMA_EPS, type TernaryTensor } from './types.js';

/** +1 where W > α, −1 where W ≤ α (so W − α = 0 → −1), 0 for NaN/±Inf. */
export function signCodes(w: Float32Array, alpha: number, out = new Int8Array(w.length), outOffset = 0): Int8Array {
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    out[outOffset + i] = v - v !== 0 ? 0 : v > alpha ? 1 : -1;
  }
  return out;
}

export function signBeta(sumAbs: number, count: number): number {
  return Math.max(count > 0 ? sumAbs / count : 0, GAMMA_EPS);
}

export function quantizeSign(w: Float32Array): TernaryTensor {
  let sum = 0;
  let sumAbs = 0;
  let count = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (v - v !== 0) continue;
    sum += v;
    sumAbs += Math.abs(v);
    count++;
  }
  const alpha = count > 0 ? sum / count : 0;
  return { codes: signCodes(w, alpha), scale: signBeta(sumAbs, count) };
}
