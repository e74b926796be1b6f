/**
 * The `ternary` and `stored` linears: codes and γ packed once into the
 * ternary kernel's layout (src/core/kernels), activations quantized per token
 * to int8 by the kernel itself (sx = 127 / max(max|x|, 1e-5), round half to
 * even, bitnet-reference.md §1.2) and y = (xq · codesᵀ) · γ / sx — the same
 * arithmetic as W1.58A8 fake quantization in PyTorch, with the integer dot
 * product done exactly.
 *
 * `ternarize` is post-training BitNet b1.58 on float weights (absmean, γ per
 * tensor, src/core/quant/absmean.ts), row by row from the stored form, so no
 * float32 copy of the matrix is made.
 */
import { AbsMeanAccumulator, absmeanThreshold, ternaryCodesByThreshold } from '../quant/absmean.js';
import type { QuantizedActivations } from '../kernels/activations.js';
import type { TernaryKernel, TernaryMatrix } from '../kernels/types.js';
import type { Linear } from './linear.js';
import { decodeRow, unpackCodes, type FloatMatrix } from './weights.js';

export class TernaryLinear implements Linear {
  readonly quantizesInput = true;
  readonly in: number;
  readonly out: number;

  constructor(private readonly kernel: TernaryKernel, readonly matrix: TernaryMatrix) {
    this.in = matrix.in;
    this.out = matrix.out;
  }

  get bytes(): number {
    return this.matrix.packed.byteLength;
  }

  get gamma(): number {
    return this.matrix.gamma;
  }

  forward(x: Float32Array, n: number, xq?: QuantizedActivations): Float32Array {
    return this.kernel.gemm(this.matrix, xq ?? x, n);
  }
}

/** Absmean codes and γ of a float matrix, in two passes over its rows. */
export function ternarize(w: FloatMatrix): { codes: Int8Array; gamma: number } {
  if (w.kind === 'codes') return { codes: unpackCodes(w), gamma: w.scale };
  const row = new Float32Array(w.cols);
  const acc = new AbsMeanAccumulator();
  for (let r = 0; r < w.rows; r++) {
    decodeRow(w, r, row);
    acc.add(row);
  }
  const gamma = acc.gamma();
  const t = absmeanThreshold(gamma);
  const codes = new Int8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    decodeRow(w, r, row);
    ternaryCodesByThreshold(row, t, codes, r * w.cols);
  }
  return { codes, gamma };
}

export function ternaryLinear(kernel: TernaryKernel, codes: Int8Array, rows: number, cols: number, gamma: number): TernaryLinear {
  return new TernaryLinear(kernel, kernel.prepareTernaryMatrix(codes, rows, cols, gamma));
}
