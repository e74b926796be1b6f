/**
 * The ternary kernel API shared by the WebAssembly SIMD kernel and its plain
 * TypeScript fallback: pack once, multiply many times.
 */
import type { QuantizedActivations } from './activations.js';

export interface TernaryMatrix {
  readonly out: number;
  readonly in: number;
  /** Per-tensor scale γ: W ≈ codes · γ. */
  readonly gamma: number;
  readonly blocks: number;
  /** Packed 2-bit bitplanes (layout in packing.ts). */
  readonly packed: Uint8Array;
}

export type Activations = Float32Array | QuantizedActivations;

export interface TernaryKernel {
  readonly name: 'wasm-simd' | 'typescript';
  /** codes: row-major [out, in] in {−1, 0, +1}. */
  prepareTernaryMatrix(codes: Int8Array, out: number, inFeatures: number, gamma: number): TernaryMatrix;
  /** One token: y[out] = (xq · codesᵀ) · γ / sx. Float input is quantized per token first. */
  gemv(m: TernaryMatrix, x: Activations): Float32Array;
  /** `batch` tokens, row-major [batch, in] → [batch, out]. */
  gemm(m: TernaryMatrix, x: Activations, batch: number): Float32Array;
  /** The raw int32 accumulators [batch, out] (for exactness checks). */
  accumulate(m: TernaryMatrix, xq: Int8Array, batch: number): Int32Array;
}
