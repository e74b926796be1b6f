/**
 * The median-threshold ternary variant (the seed notebook's; bitnet-reference.md §1.6):
 *   Q = sign(W)·[|W| > m],  m = median|W|,  scale = mean|W| / mean|Q|
 * On distinct values exactly half the codes are 0 by construction.
 *
 * Median convention: the LOWER median (the ⌈n/2⌉-th smallest |W|), as
 * torch.median returns — so with distinct values exactly ⌈n/2⌉ codes are 0.
 * (numpy's average-of-the-middle-two gives the same codes whenever the two
 * middle values differ.) mean|W| is clamped at 1e-5 like γ; when every code is
 * 0 (all |W| equal, or all zero) the scale is that clamped mean.
 *
 * Exact median without holding the tensor — two histograms over the float32
 * bit pattern of |W| (monotone in the value for non-negative floats):
 *   pass 1: 32,768 bins on the high 16 bits (sign bit is 0): finds the bin
 *           holding the median and its rank inside the bin. If no value had
 *           any of its low 16 bits set (BF16, F8, small-integer data) each
 *           bin is a single value and the median is exact already.
 *   refine: otherwise one more pass counts the low 16 bits of the values in
 *           that one bin (65,536 bins), which pins the exact float32.
 * Memory is fixed (≈0.8 MB of counters) whatever the tensor size.
 * Non-finite values are left out.
 */
import { GAMMA_EPS, type TernaryTensor } from './types.js';
import { ternaryCodesByThreshold } from './absmean.js';

const HIGH_BINS = 1 << 15;
const LOW_BINS = 1 << 16;
/** Bit pattern of +Inf: every finite |W| is below it. */
const INF_BITS = 0x7f800000;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 with the given bit pattern. */
export function floatFromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

export class AbsMedianFinder {
  /** Counts of finite |W| by the high 16 bits of their float32 pattern. */
  readonly high = new Float64Array(HIGH_BINS);
  /** Counts by the low 16 bits, for values in `bin` only (filled by refine). */
  readonly low = new Float64Array(LOW_BINS);
  count = 0;
  private lowBitsSeen = 0;
  private located = false;
  /** High-16 bin holding the median, and its 0-based rank inside that bin. */
  bin = -1;
  rankInBin = 0;

  add(chunk: Float32Array): void {
    const seen = countAbsHigh(new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length), this.high);
    this.lowBitsSeen |= seen & 0xffff;
    this.count += countScratch[0]!;
  }

  /** Find the bin of the median; returns false for an empty tensor. */
  locate(): boolean {
    this.located = true;
    if (this.count === 0) return false;
    let k = Math.floor((this.count - 1) / 2);
    for (let b = 0; b < HIGH_BINS; b++) {
      const c = this.high[b]!;
      if (k < c) {
        this.bin = b;
        this.rankInBin = k;
        return true;
      }
      k -= c;
    }
    throw new Error('median histogram inconsistent');
  }

  /** True when the low 16 bits matter and a refine pass is needed. */
  needsRefine(): boolean {
    if (!this.located) this.locate();
    return this.count > 0 && this.lowBitsSeen !== 0;
  }

  /** Refine pass: count the low bits of values in the median's bin. */
  refine(chunk: Float32Array): void {
    countLowInBin(new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length), this.bin, this.low);
  }

  /** The exact lower median of |W| (0 for a tensor with no finite value). */
  median(): number {
    if (!this.located) this.locate();
    if (this.count === 0) return 0;
    if (this.lowBitsSeen === 0) return floatFromBits(this.bin << 16);
    return floatFromBits((this.bin << 16) | lowRank(this.low, this.rankInBin));
  }
}

// Hot loops as plain functions: as class methods V8's on-stack-replaced code
// kept deoptimising on the field updates after the loop (see tensorStats.ts).
const countScratch = new Float64Array(1);

/** Count finite |W| by their high 16 bits; returns the OR of the patterns, the count goes to countScratch[0]. */
function countAbsHigh(bits: Uint32Array, high: Float64Array): number {
  let seen = 0;
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]! & 0x7fffffff;
    if (b >= INF_BITS) continue;
    high[b >>> 16]!++;
    seen |= b;
    n++;
  }
  countScratch[0] = n;
  return seen;
}

function countLowInBin(bits: Uint32Array, bin: number, low: Float64Array): void {
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]! & 0x7fffffff;
    if (b >>> 16 === bin) low[b & 0xffff]!++;
  }
}

/** Index of the bin holding the k-th (0-based) count in a histogram. */
export function lowRank(hist: Float64Array, k: number): number {
  for (let j = 0; j < hist.length; j++) {
    const c = hist[j]!;
    if (k < c) return j;
    k -= c;
  }
  throw new Error('refine histogram inconsistent (the data changed between passes?)');
}

/** Exact lower median of |W| over the finite values of an in-memory tensor. */
export function medianAbsExact(w: Float32Array): number {
  const f = new AbsMedianFinder();
  f.add(w);
  if (f.needsRefine()) f.refine(w);
  return f.median();
}

/** scale = max(mean|W|, 1e-5) / mean|Q|, with mean|Q| = nonzero/count; the clamped mean when nothing is nonzero. */
export function medianScale(sumAbs: number, count: number, nonzero: number): number {
  const meanAbs = Math.max(count > 0 ? sumAbs / count : 0, GAMMA_EPS);
  return nonzero > 0 ? meanAbs / (nonzero / count) : meanAbs;
}

export function quantizeMedian(w: Float32Array): TernaryTensor {
  const m = medianAbsExact(w);
  const codes = ternaryCodesByThreshold(w, m);
  let sumAbs = 0;
  let count = 0;
  let nonzero = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (v - v !== 0) continue;
    sumAbs += Math.abs(v);
    count++;
    if (codes[i] !== 0) nonzero++;
  }
  return { codes, scale: medianScale(sumAbs, count, nonzero) };
}
