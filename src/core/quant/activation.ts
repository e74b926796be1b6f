/**
 * Per-token absmax int8 activation quantization (b1.58 paper §2; FAQ Fig. 3;
 * bitnet-reference.md §1.2):
 *   sx = 127 / max(max_j |x_j|, 1e-5)    (one per token = per row of the last axis)
 *   Xq = clamp(roundHalfEven(x·sx), −128, 127)
 * Arithmetic is float32, as in PyTorch and tfjs: every product is rounded to
 * float32 with Math.fround (a float64 product of two float32 is exact, so one
 * fround gives the correctly rounded float32 result). This makes the typed-array
 * path and the tfjs path agree bit for bit. Dequantize with x ≈ Xq / sx.
 * NaN inputs count as 0 (left out of the max, code 0); ±Inf make that token's
 * scale 127/Inf = 0 (all its codes 0).
 */
import { BitnetLabError } from '../errors.js';
import { roundHalfEven } from './rounding.js';

export const ACTIVATION_EPS = 1e-5;

export interface Int8Activations {
  codes: Int8Array;
  /** sx per token (float32 values): Xq / sx ≈ x. */
  scales: Float32Array;
  tokenLength: number;
}

export function quantizeActivationsPerToken(x: Float32Array, tokenLength: number): Int8Activations {
  if (!Number.isInteger(tokenLength) || tokenLength <= 0 || x.length % tokenLength !== 0) {
    throw new BitnetLabError('usage', `activation length ${x.length} is not a whole number of tokens of ${tokenLength}`);
  }
  const tokens = x.length / tokenLength;
  const codes = new Int8Array(x.length);
  const scales = new Float32Array(tokens);
  const eps32 = Math.fround(ACTIVATION_EPS);
  for (let t = 0; t < tokens; t++) {
    const base = t * tokenLength;
    let absmax = 0;
    for (let j = 0; j < tokenLength; j++) {
      const a = Math.abs(x[base + j]!);
      if (a > absmax) absmax = a;
    }
    const sx = Math.fround(127 / Math.max(absmax, eps32));
    scales[t] = sx;
    for (let j = 0; j < tokenLength; j++) {
      const v = roundHalfEven(Math.fround(x[base + j]! * sx));
      // NaN fails both comparisons and would store as 0 in an Int8Array anyway; be explicit.
      codes[base + j] = v !== v ? 0 : v > 127 ? 127 : v < -128 ? -128 : v;
    }
  }
  return { codes, scales, tokenLength };
}

export function dequantizeActivations(a: Int8Activations): Float32Array {
  const out = new Float32Array(a.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = a.codes[i]! / a.scales[Math.floor(i / a.tokenLength)]!;
  return out;
}
