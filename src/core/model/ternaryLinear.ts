/**
 * The `ternary` and `stored` linears: codes and γ packed once into the
 * ternary kernel's layout (src/core/kernels), activations quantized per token
 * to int8 (sx = 127 / max(max|x|, 1e-5), round half to even,
 * bitnet-reference.md §1.2; a norm's output arrives quantized already,
 * normQuant.ts) and y = (xq · codesᵀ) · γ / sx — the same
 * arithmetic as W1.58A8 fake quantization in PyTorch, with the integer dot
 * product done exactly.
 *
 * `ternarize` is post-training BitNet b1.58 on float weights (absmean, γ per
 * tensor, src/core/quant/absmean.ts), row by row from the stored form, so no
 * float32 copy of the matrix is made.
 */
import { AbsMeanAccumulator, absmeanThreshold, ternaryCodesByThreshold } from '../quant/absmean.js';
import { BitnetLabError } from '../errors.js';
import { quantizeActivations, type QuantizedActivations } from '../kernels/activations.js';
import type { TernaryKernel, TernaryMatrix } from '../kernels/types.js';
import type { Linear } from './linear.js';
import { decodeRow, unpackCodes, type FloatMatrix } from './weights.js';

/** One ternary matrix: its codes, shape and γ. */
export interface TernaryCodes {
  codes: Int8Array;
  rows: number;
  cols: number;
  gamma: number;
}

/**
 * Ternary linears that read the same input (q/k/v, gate/up) packed as one
 * matrix [Σ rows, in], so one kernel call — one dispatch over the threads,
 * one staging of the activations — computes all of them. Each member keeps
 * its own γ: the kernel's exact int32 sums are rescaled per member, acc · γ / sx,
 * the arithmetic of an unfused call, so the outputs are the same bits.
 *
 * The members are called one after another with the same input (the forward
 * pass and eval's per-layer observer both do): the first call computes every
 * member's output, the others take theirs. A new input array, or a member asking
 * twice, computes again.
 */
class TernaryGroup {
  private readonly matrix: TernaryMatrix;
  private readonly offsets: number[] = [];
  private readonly total: number;
  private lastInput: Float32Array | undefined;
  private lastN = 0;
  private outputs: Array<Float32Array | undefined> = [];

  /** `joined`, when given, is every part's codes one after another (no copy is then made). */
  constructor(private readonly kernel: TernaryKernel, readonly parts: readonly TernaryCodes[], joined?: Int8Array) {
    const cols = parts[0]!.cols;
    let rows = 0;
    for (const p of parts) {
      this.offsets.push(rows);
      rows += p.rows;
    }
    this.total = rows;
    let codes = joined ?? parts[0]!.codes;
    if (!joined && parts.length > 1) {
      codes = new Int8Array(rows * cols);
      parts.forEach((p, i) => codes.set(p.codes, this.offsets[i]! * cols));
    }
    this.matrix = kernel.prepareTernaryMatrix(codes, rows, cols, 1);
  }

  get packedBytes(): number {
    return this.matrix.packed.byteLength;
  }

  output(member: number, x: Float32Array, n: number, xq: QuantizedActivations | undefined): Float32Array {
    const have = this.outputs[member];
    if (x === this.lastInput && n === this.lastN && have) {
      this.outputs[member] = undefined;
      return have;
    }
    const a = xq ?? quantizeActivations(x, n, this.matrix.in);
    const acc = this.kernel.accumulate(this.matrix, a.q, n);
    this.outputs = this.parts.map((p, i) => {
      const y = new Float32Array(n * p.rows);
      const off = this.offsets[i]!;
      for (let t = 0; t < n; t++) {
        const k = p.gamma / a.scales[t]!;
        const src = t * this.total + off;
        const dst = t * p.rows;
        for (let r = 0; r < p.rows; r++) y[dst + r] = acc[src + r]! * k;
      }
      return y;
    });
    this.lastInput = x;
    this.lastN = n;
    const mine = this.outputs[member]!;
    this.outputs[member] = undefined;
    return mine;
  }
}

export class TernaryLinear implements Linear {
  readonly quantizesInput = true;
  readonly in: number;
  readonly out: number;
  readonly gamma: number;

  constructor(private readonly group: TernaryGroup, private readonly member: number) {
    const p = group.parts[member]!;
    this.in = p.cols;
    this.out = p.rows;
    this.gamma = p.gamma;
  }

  /** This member's share of the group's packed bytes. */
  get bytes(): number {
    const total = this.group.parts.reduce((s, p) => s + p.rows, 0);
    return Math.round((this.group.packedBytes * this.out) / total);
  }

  forward(x: Float32Array, n: number, xq?: QuantizedActivations): Float32Array {
    if (x.length !== n * this.in) throw new BitnetLabError('usage', `activations: ${x.length} values for [${n}, ${this.in}]`);
    return this.group.output(this.member, x, n, xq);
  }
}

/** Linears over the same input, computed by one kernel call (a single one is a plain ternary linear). */
export function ternaryLinears(kernel: TernaryKernel, parts: readonly TernaryCodes[], joined?: Int8Array): TernaryLinear[] {
  const group = new TernaryGroup(kernel, parts, joined);
  return parts.map((_, i) => new TernaryLinear(group, i));
}

/** Absmean codes and γ of a float matrix, in two passes over its rows. */
export function ternarize(w: FloatMatrix, into?: Int8Array<ArrayBuffer>): { codes: Int8Array; gamma: number } {
  if (w.kind === 'codes') {
    const codes = unpackCodes(w);
    if (!into) return { codes, gamma: w.scale };
    into.set(codes);
    return { codes: into, gamma: w.scale };
  }
  const row = new Float32Array(w.cols);
  const acc = new AbsMeanAccumulator();
  for (let r = 0; r < w.rows; r++) {
    decodeRow(w, r, row);
    acc.add(row);
  }
  const gamma = acc.gamma();
  const t = absmeanThreshold(gamma);
  const codes = into ?? new Int8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    decodeRow(w, r, row);
    ternaryCodesByThreshold(row, t, codes, r * w.cols);
  }
  return { codes, gamma };
}
