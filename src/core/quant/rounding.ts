/**
 * Rounding rules, written down once because ties decide bit-exact parity
 * with other tools (bitnet-reference.md §1.1):
 *   - PyTorch `round()` (and tfjs `tf.round`) round half to even: 0.5 → 0, 1.5 → 2, −0.5 → −0, 2.5 → 2.
 *   - ggml `lroundf` / gguf-py `np_roundf` round half away from zero: 0.5 → 1, −0.5 → −1.
 *   - JavaScript `Math.round` rounds half up (toward +∞): 0.5 → 1, −0.5 → −0, −1.5 → −1.
 * We follow PyTorch (half to even) everywhere, for parity with HF transformers
 * and the BitNet FAQ reference code.
 */

/** Round to the nearest integer, ties to even (IEEE 754 roundTiesToEven; torch.round). */
export function roundHalfEven(x: number): number {
  // Math.round is exact (spec: nearest integral Number, ties toward +∞), so
  // r − x is exactly 0.5 only at a tie; then step back down when r is odd.
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Round half away from zero (ggml lroundf, gguf-py np_roundf) — for comparison and tests only. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * The largest float32 ≤ t. For a float32 w, `w > t` ⇔ `w > floorToFloat32(t)`,
 * so a float64 threshold can be handed to float32 code (tfjs) without changing
 * a single comparison.
 */
export function floorToFloat32(t: number): number {
  const f = Math.fround(t);
  if (f <= t) return f;
  return nextDownFloat32(f);
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The float32 just below f (f a finite float32). */
function nextDownFloat32(f: number): number {
  if (f === 0) return -1.401298464324817e-45;
  scratchF32[0] = f;
  // For positive floats the bit pattern is monotone: one step down is bits − 1;
  // for negative floats one step down (more negative) is bits + 1.
  scratchU32[0] = f > 0 ? scratchU32[0]! - 1 : scratchU32[0]! + 1;
  return scratchF32[0]!;
}
