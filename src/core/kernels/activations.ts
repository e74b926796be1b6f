/**
 * Per-token absmax int8 activation quantization for the kernels
 * (bitnet-reference.md §1.2: sx = 127 / max(max|x|, 1e-5), Xq = round(x·sx)).
 *
 * Rounding is half-to-even, as torch.round does. The published clamp is
 * [−128, 127], but |x·sx| ≤ 127 holds exactly, so −128 never appears; the
 * kernel relies on that (its conditional negation would wrap −128), so
 * pre-quantized inputs are checked for it.
 */
import { BitnetLabError } from '../errors.js';

export const ACT_EPS = 1e-5;
/** 1.5·2^52: added to and taken from a float64 of magnitude < 2^51, rounds it to an integer, ties to even. */
const ROUND_MAGIC = 6755399441055744;

export interface QuantizedActivations {
  /** [batch, in] int8 values in [−127, 127]. */
  q: Int8Array;
  /** sx per token: y = acc · γ / sx. */
  scales: Float64Array;
  batch: number;
  in: number;
}

export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  // Math.round sends ties toward +∞; move odd results of exact ties back to even.
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function quantizeActivations(x: Float32Array, batch: number, inFeatures: number): QuantizedActivations {
  if (x.length !== batch * inFeatures) {
    throw new BitnetLabError('usage', `activations: ${x.length} values for [${batch}, ${inFeatures}]`);
  }
  const q = new Int8Array(x.length);
  const scales = new Float64Array(batch);
  for (let t = 0; t < batch; t++) {
    const base = t * inFeatures;
    let absmax = 0;
    let nan = false;
    for (let j = 0; j < inFeatures; j++) {
      const a = Math.abs(x[base + j]!);
      if (a > absmax) absmax = a;
      else if (a !== a) nan = true;
    }
    if (nan || !Number.isFinite(absmax)) throw new BitnetLabError('usage', `activations: token ${t} has a non-finite value`);
    const sx = 127 / Math.max(absmax, ACT_EPS);
    scales[t] = sx;
    for (let j = 0; j < inFeatures; j++) {
      // Round half to even by float64 addition: |x·sx| ≤ 127 ≪ 2^51, so adding
      // 1.5·2^52 leaves no fraction bits and the FPU's own rounding (to
      // nearest, ties to even) does it — roundHalfEven's result, without its
      // branches (a third of a batch's time in this loop).
      const v = x[base + j]! * sx + ROUND_MAGIC - ROUND_MAGIC;
      q[base + j] = v > 127 ? 127 : v < -128 ? -128 : v;
    }
  }
  return { q, scales, batch, in: inFeatures };
}

export function checkQuantized(a: QuantizedActivations, inFeatures: number): void {
  if (a.in !== inFeatures || a.q.length !== a.batch * inFeatures || a.scales.length !== a.batch) {
    throw new BitnetLabError('usage', `activations: shape [${a.batch}, ${a.in}] does not fit a layer with ${inFeatures} inputs`);
  }
  for (let i = 0; i < a.q.length; i++) {
    if (a.q[i] === -128) {
      throw new BitnetLabError('usage', `activations: value −128 at index ${i}; absmax quantization yields [−127, 127] only`);
    }
  }
}
