/**
 * The weight quantizers we offer. `absmean` is BitNet b1.58 and the default;
 * the others exist so users can compare (bitnet-reference.md §1.1, §1.5, §1.6).
 */
export type QuantMethod = 'absmean' | 'median' | 'sign';

export const QUANT_METHODS: readonly QuantMethod[] = ['absmean', 'median', 'sign'];

export const QUANT_METHOD_LABELS: Record<QuantMethod, string> = {
  absmean: 'BitNet b1.58 absmean (γ = mean|W|, round half-to-even, clamp to ±1)',
  median: 'median threshold (zero below median|W|, scale = mean|W| / mean|Q|)',
  sign: 'BitNet 1-bit (sign(W − mean W), 0 → −1, β = mean|W|)',
};

/** γ is clamped here before division, as every public BitNet implementation does. */
export const GAMMA_EPS = 1e-5;

/** Ternary (or binary) codes and the per-tensor scale: W ≈ codes · scale. */
export interface TernaryTensor {
  codes: Int8Array;
  scale: number;
}

export function isQuantMethod(s: string): s is QuantMethod {
  return (QUANT_METHODS as readonly string[]).includes(s);
}
