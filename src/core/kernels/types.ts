/**
 * The kernel API shared by the WebAssembly SIMD kernel and its plain
 * TypeScript fallback: pack once, multiply many times. Ternary matrices
 * (2-bit codes, int8 activations, exact integer sums) and float matrices
 * (f32 / f16 / bf16 weights, float32 sums) for the layers a ternary model
 * keeps in float (output head, embeddings) and for the runtime's `fp` mode.
 */
import type { QuantizedActivations } from './activations.js';

export interface TernaryMatrix {
  readonly out: number;
  readonly in: number;
  /** Per-tensor scale γ: W ≈ codes · γ. */
  readonly gamma: number;
  readonly blocks: number;
  /** Packed 2-bit codes (layout in packing.ts). */
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

/** How float weights are stored: float32 values, or the raw 16-bit patterns of IEEE half / bfloat16. */
export type FloatWeightType = 'f32' | 'f16' | 'bf16';

export interface FloatMatrix {
  readonly out: number;
  readonly in: number;
  readonly dtype: FloatWeightType;
}

export interface FloatKernel {
  /**
   * weights: row-major [out, in] (PyTorch's Linear / GGUF layout, y = W·x):
   * a Float32Array for 'f32', the raw 16-bit patterns for 'f16' and 'bf16'.
   * The kernel keeps its own copy; the array may be dropped afterwards.
   */
  prepareFloatMatrix(weights: Float32Array | Uint16Array, out: number, inFeatures: number, dtype: FloatWeightType): FloatMatrix;
  /** One token: y[out] = W · x, float32 sums. */
  gemvFloat(m: FloatMatrix, x: Float32Array): Float32Array;
  /** `batch` tokens, row-major [batch, in] → [batch, out]. */
  gemmFloat(m: FloatMatrix, x: Float32Array, batch: number): Float32Array;
  /** Row `row` of W as float32 into out[0 … in) (a tied embedding looks its rows up in the head's copy). */
  readFloatRow(m: FloatMatrix, row: number, out: Float32Array): void;
}

/** Both kinds of matrix on one memory and one set of threads. */
export interface MatrixKernel extends TernaryKernel, FloatKernel {
  /** Threads one call uses (the calling thread plus threads − 1 workers). */
  readonly threads: number;
  /** 'relaxed' (relaxed-SIMD dot products), 'plain' (SIMD only) or 'none' (TypeScript). */
  readonly simd: 'relaxed' | 'plain' | 'none';
  /** Give a matrix's memory back; the matrix must not be used afterwards. */
  release(m: TernaryMatrix | FloatMatrix): void;
  /** Stop the worker threads and free everything; the kernel must not be used afterwards. */
  close(): void;
}
