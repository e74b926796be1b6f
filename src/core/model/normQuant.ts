/**
 * The int8 activations of an RMSNorm's output, computed without the norm's
 * 1/rms factor.
 *
 * Per-token absmax quantization is blind to a positive per-token factor c:
 * round(c·v_j · 127 / max|c·v|) = round(v_j · 127 / max|v|), and the scale
 * sx = 127 / max|c·v| carries c into the output. For h = rmsNorm(x)·w the
 * factor is c = 1/√(mean x² + ε), and v_j = x_j·w_j.
 *
 * Why not quantize h itself: with 16-bit embeddings and norm weights (BF16
 * checkpoints), v_j / max|v| is a ratio of short mantissas, and
 * v_j·127/max|v| lands exactly on a half-integer for a few elements per
 * thousand tokens. The exact rule (round half to even) then decides; the
 * float32 h = x·c·w has already rounded the tie away to either side. One such
 * flipped code in layer 0 moves every later position (measured: 0.67 % of
 * perplexity on the relu² BitNet fixture). Here v_j = x_j·w_j is exact in
 * float64 (two float32 factors), v_j·127 is exact while v_j has ≤ 46
 * significant bits (any 16-bit embedding times a float32 weight), and the one
 * division is correctly rounded, so an exact tie stays an exact tie.
 */
import { ACT_EPS, quantizeActivations, roundHalfEven, type QuantizedActivations } from '../kernels/activations.js';

/** Quantized rmsNorm(x)·w for n tokens; `h` is that norm's float output (used only where max|h| < ε clamps the scale). */
export function quantizeNormed(x: Float32Array, n: number, w: Float32Array, eps: number, h: Float32Array): QuantizedActivations {
  const d = w.length;
  const q = new Int8Array(n * d);
  const scales = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const at = t * d;
    let ss = 0;
    let vmax = 0;
    for (let j = 0; j < d; j++) {
      const xj = x[at + j]!;
      ss += xj * xj;
      const a = Math.abs(xj * w[j]!);
      if (a > vmax) vmax = a;
    }
    const inv = 1 / Math.sqrt(ss / d + eps);
    if (!(vmax * inv >= ACT_EPS)) {
      // The ε clamp of the scale applies: the quantization is no longer scale-free (or the input is not finite).
      const one = quantizeActivations(h.subarray(at, at + d), 1, d);
      q.set(one.q, at);
      scales[t] = one.scales[0]!;
      continue;
    }
    for (let j = 0; j < d; j++) q[at + j] = roundHalfEven((x[at + j]! * w[j]! * 127) / vmax);
    scales[t] = 127 / (vmax * inv);
  }
  return { q, scales, batch: n, in: d };
}
