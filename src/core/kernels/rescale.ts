/**
 * The shared front and back ends of both kernels: quantize float inputs,
 * then apply the one float rescale per output, y = acc · γ / sx.
 */
import { checkQuantized, quantizeActivations, type QuantizedActivations } from './activations.js';
import { BitnetLabError } from '../errors.js';
import type { Activations, TernaryMatrix } from './types.js';

export function toQuantized(m: TernaryMatrix, x: Activations, batch: number): QuantizedActivations {
  if (x instanceof Float32Array) return quantizeActivations(x, batch, m.in);
  if (x.batch !== batch) throw new BitnetLabError('usage', `activations: batch ${x.batch}, expected ${batch}`);
  checkQuantized(x, m.in);
  return x;
}

export function rescale(m: TernaryMatrix, acc: Int32Array, scales: Float64Array): Float32Array {
  const y = new Float32Array(acc.length);
  for (let t = 0; t < scales.length; t++) {
    const k = m.gamma / scales[t]!;
    const base = t * m.out;
    for (let r = 0; r < m.out; r++) y[base + r] = acc[base + r]! * k;
  }
  return y;
}

export function checkGamma(gamma: number): void {
  if (!Number.isFinite(gamma)) throw new BitnetLabError('usage', `ternary matrix: γ = ${gamma} is not finite`);
}
