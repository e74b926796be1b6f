/**
 * BitNet b1.58 absmean weight quantization (arXiv 2402.17764 §2, Eqs. 1–3;
 * FAQ PDF Fig. 3): one scale per tensor,
 *   γ = max(mean|W|, 1e-5)          (mean accumulated in float64)
 *   Q = clamp(roundHalfEven(W/γ), −1, 1)
 *
 * Streaming shape: pass 1 sums |W| (AbsMeanAccumulator), pass 2 maps values to
 * codes with the threshold. For ternary output the rounding reduces to a
 * comparison with ±γ/2: Q = +1 iff W > γ/2, −1 iff W < −γ/2, else 0 — an
 * exact tie W/γ = ±0.5 goes to 0 (half to even), where Math.round would give
 * +1 for +0.5 and ggml's half-away-from-zero would give ±1. Comparing with γ/2
 * (exact in binary) is the mathematically exact rule; PyTorch computes
 * fl32(W · fl32(1/γ)) and can differ only for W within one float32 ulp of ±γ/2.
 *
 * Non-finite inputs (NaN, ±Inf) are left out of the mean and get code 0.
 */
import { GAMMA_EPS, type TernaryTensor } from './types.js';

/** Pass 1 of absmean: float64 sum of |W| over the finite values. */
export class AbsMeanAccumulator {
  sumAbs = 0;
  count = 0;

  add(chunk: Float32Array): void {
    this.sumAbs += sumAbsFinite(chunk);
    this.count += finiteScratch[0]!;
  }

  /** γ = max(mean|W|, 1e-5); an empty or all-zero tensor gives 1e-5. */
  gamma(): number {
    return absmeanGammaFromSum(this.sumAbs, this.count);
  }
}

// A plain function, not a method: V8 optimises the loop far better (see tensorStats.ts).
const finiteScratch = new Float64Array(1);

/** Σ|W| over the finite values; their count goes to finiteScratch[0]. */
function sumAbsFinite(chunk: Float32Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < chunk.length; i++) {
    const w = chunk[i]!;
    // w − w is 0 for finite w and NaN for NaN/±Inf.
    if (w - w === 0) {
      s += Math.abs(w);
      n++;
    }
  }
  finiteScratch[0] = n;
  return s;
}

export function absmeanGammaFromSum(sumAbs: number, count: number): number {
  const mean = count > 0 ? sumAbs / count : 0;
  return Math.max(mean, GAMMA_EPS);
}

/** γ of a whole in-memory tensor. */
export function absmeanGamma(w: Float32Array): number {
  const acc = new AbsMeanAccumulator();
  acc.add(w);
  return acc.gamma();
}

/**
 * Pass 2 for any threshold rule symmetric about zero: +1 above t, −1 below −t,
 * 0 otherwise and for NaN/±Inf. Writes into `out` if given.
 */
export function ternaryCodesByThreshold(w: Float32Array, t: number, out = new Int8Array(w.length), outOffset = 0): Int8Array {
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    out[outOffset + i] = v - v !== 0 ? 0 : v > t ? 1 : v < -t ? -1 : 0;
  }
  return out;
}

/** The code boundary of absmean on W: |W| = γ/2. */
export function absmeanThreshold(gamma: number): number {
  return gamma / 2;
}

export function quantizeAbsmean(w: Float32Array): TernaryTensor {
  const gamma = absmeanGamma(w);
  return { codes: ternaryCodesByThreshold(w, absmeanThreshold(gamma)), scale: gamma };
}

/** W̃ = Q·scale as float32 (the fake-quant value training sees). */
export function dequantizeTernary(t: TernaryTensor): Float32Array {
  const out = new Float32Array(t.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = t.codes[i]! * t.scale;
  return out;
}
