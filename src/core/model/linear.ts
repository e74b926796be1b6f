/**
 * The linear layers of the runtime, behind one interface so the compute path
 * can change (faster WebAssembly GEMV/GEMM from src/core/kernels) without the
 * forward pass noticing. y[t] = W · x[t] for a batch of n tokens, row-major.
 *
 * FloatLinear is the `fp` path and the output head in every mode: F32, F16
 * and BF16 weights go to the SIMD float GEMV/GEMM of src/core/kernels (kept
 * there in their stored width, split over the kernel's threads by output
 * rows; a prefill of n tokens reads the weights once, the GEMM shape). Ternary
 * codes read in `fp` mode have no float kernel: they are decoded row by row
 * here, each row once per call for all n tokens.
 */
import type { QuantizedActivations } from '../kernels/activations.js';
import type { FloatKernel, FloatMatrix as KernelFloatMatrix } from '../kernels/types.js';
import { decodeRow, type FloatMatrix } from './weights.js';

export interface Linear {
  readonly in: number;
  readonly out: number;
  /** Resident bytes of the weights. */
  readonly bytes: number;
  /** True when the layer computes on int8 activations (then `forward` may be handed them ready-made). */
  readonly quantizesInput: boolean;
  /**
   * x: [n, in] → [n, out]. `xq`, when given, is x already quantized per token
   * (normQuant.ts); a layer that quantizes its input uses it instead of x.
   */
  forward(x: Float32Array, n: number, xq?: QuantizedActivations): Float32Array;
}

export class FloatLinear implements Linear {
  readonly quantizesInput = false;
  readonly in: number;
  readonly out: number;
  readonly bytes: number;
  /** The kernel's resident copy (f32/f16/bf16 weights), or the stored form computed here (ternary codes, or no kernel). */
  private readonly prepared: KernelFloatMatrix | undefined;
  private readonly stored: FloatMatrix | undefined;
  private readonly row: Float32Array;

  /** With a kernel, 16- and 32-bit weights are copied into it and `weights` may be dropped afterwards. */
  constructor(weights: FloatMatrix, private readonly kernel?: FloatKernel) {
    this.in = weights.cols;
    this.out = weights.rows;
    this.bytes = weights.data.byteLength;
    if (kernel && weights.kind !== 'codes') {
      this.prepared = kernel.prepareFloatMatrix(weights.data, weights.rows, weights.cols, weights.kind);
      this.row = new Float32Array(0);
    } else {
      this.stored = weights;
      this.row = new Float32Array(weights.cols);
    }
  }

  forward(x: Float32Array, n: number): Float32Array {
    if (this.prepared) return this.kernel!.gemmFloat(this.prepared, x, n);
    return floatMatmul(this.stored!, this.row, x, n);
  }

  /** As an embedding table (a tied head): one row per token id. */
  get rows(): number {
    return this.out;
  }

  /** Row r of W as float32 (a tied head is also the embedding table). */
  readRow(r: number, out: Float32Array): void {
    if (this.prepared) this.kernel!.readFloatRow(this.prepared, r, out);
    else decodeRow(this.stored!, r, out);
  }
}

/** Where the token embeddings are looked up: rows [vocab, hidden]. */
export interface EmbeddingTable {
  readonly rows: number;
  readRow(r: number, out: Float32Array): void;
}

export function storedEmbedding(m: FloatMatrix): EmbeddingTable {
  return { rows: m.rows, readRow: (r, out) => decodeRow(m, r, out) };
}

/** The stored form row by row: each row decoded once per call and dotted with all n tokens. */
function floatMatmul(w: FloatMatrix, row: Float32Array, x: Float32Array, n: number): Float32Array {
  const k = w.cols;
  const out = w.rows;
  const y = new Float32Array(n * out);
  const direct = w.kind === 'f32';
  for (let r = 0; r < out; r++) {
    let wr: Float32Array;
    if (direct) wr = (w.data as Float32Array).subarray(r * k, (r + 1) * k);
    else {
      decodeRow(w, r, row);
      wr = row;
    }
    for (let t = 0; t < n; t++) y[t * out + r] = dot(wr, x, t * k, k);
  }
  return y;
}

/** Σ w[j]·x[at + j], four partial sums (float64) to shorten the dependency chain. */
function dot(w: Float32Array, x: Float32Array, at: number, k: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    s0 += w[j]! * x[at + j]!;
    s1 += w[j + 1]! * x[at + j + 1]!;
    s2 += w[j + 2]! * x[at + j + 2]!;
    s3 += w[j + 3]! * x[at + j + 3]!;
  }
  for (; j < k; j++) s0 += w[j]! * x[at + j]!;
  return s0 + s1 + s2 + s3;
}

/** A linear whose output is multiplied by one scalar (GGUF bitnet `*.scale` tensors). */
export class ScaledLinear implements Linear {
  constructor(private readonly inner: Linear, private readonly scale: number) {}

  get in(): number {
    return this.inner.in;
  }

  get out(): number {
    return this.inner.out;
  }

  get bytes(): number {
    return this.inner.bytes;
  }

  get quantizesInput(): boolean {
    return this.inner.quantizesInput;
  }

  forward(x: Float32Array, n: number, xq?: QuantizedActivations): Float32Array {
    const y = this.inner.forward(x, n, xq);
    for (let i = 0; i < y.length; i++) y[i] = y[i]! * this.scale;
    return y;
  }
}
