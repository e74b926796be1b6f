/**
 * Quantization of 16-bit float data (BF16, IEEE F16) from a histogram of its
 * bit patterns — the one-pass route shared by the analysis (tensorStats.ts)
 * and the quantize engine (src/core/convert), so `inspect` and `quantize`
 * report the same γ and the same codes for the same tensor.
 *
 * Each of the 65,536 patterns is ONE exact value, so counting patterns loses
 * nothing: Σ|W| = Σ_b count_b·|value_b| (each product is exact in float64:
 * ≤ 11 significant bits × a count < 2^32), the lower median of |W| is a walk
 * over the bins, and the code of every element is a function of its pattern
 * alone — a 65,536-entry lookup table. No element is ever decoded to float.
 *
 * The sum runs over bins in pattern order rather than over elements in index
 * order. Any order gives the exact sum when every partial sum fits in
 * float64's 53 bits — counted in units of the smallest value's last bit, the
 * largest value needs (significant bits + binades spanned) bits and n values
 * log2(n) more: BF16 weights spanning 2^20 in a 2^24-element tensor need
 * 8 + 20 + 24 = 52. So on ordinary weights γ equals the sequential float64 γ
 * bit for bit (the tests check 1e-12 relative at most); with a very wide
 * dynamic range a sequential sum drops small values the bin order (small
 * magnitudes first) keeps — differences of order n·2^-53 relative. Rules are otherwise those
 * of absmean.ts / median.ts / sign.ts: NaN/±Inf are left out of every sum and
 * get code 0; thresholds compare the exact value with the float64 threshold.
 */
import { f16ToF32 } from '../formats/dtypes.js';
import type { TensorEntry } from '../formats/types.js';
import { absmeanGammaFromSum, absmeanThreshold } from './absmean.js';
import { floatFromBits, medianScale } from './median.js';
import { signBeta } from './sign.js';
import { singleMagnitudeOfHistogram } from './singleMagnitude.js';
import type { QuantMethod, TernaryTensor } from './types.js';

/** How the 16-bit patterns are read: BF16 (= the high half of a float32) or IEEE half. */
export type Half16Kind = 'bf16' | 'f16';

/**
 * The histogram route pays a fixed cost of 65,536 bins per tensor: worth it
 * from a few hundred thousand values. Both engines take it from this size on,
 * so they take the same route for the same tensor.
 */
export const HISTOGRAM16_MIN_ELEMENTS = 1 << 18;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The pattern kind of a tensor stored as plain little-endian BF16/F16 (its raw
 * bytes are its values), or undefined. Stored halves are little-endian in
 * every format we read; a Uint16Array view reads them right on LE hosts only.
 */
export function storedHalf16Kind(t: Pick<TensorEntry, 'dtype' | 'params' | 'bytes' | 'ternary'>): Half16Kind | undefined {
  if (t.ternary !== undefined || t.bytes !== 2 * t.params || !LITTLE_ENDIAN) return undefined;
  const d = t.dtype.toUpperCase();
  return d === 'BF16' ? 'bf16' : d === 'F16' ? 'f16' : undefined;
}

// ---------------------------------------------------------------- pattern values

const valueTables: Partial<Record<Half16Kind, Float32Array>> = {};

/** Value of every 16-bit pattern, built once per kind (256 KB each). */
export function half16Values(kind: Half16Kind): Float32Array {
  let t = valueTables[kind];
  if (!t) {
    t = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) t[b] = kind === 'bf16' ? floatFromBits(b << 16) : f16ToF32(b);
    valueTables[kind] = t;
  }
  return t;
}

// ---------------------------------------------------------------- counting

/**
 * Count 16-bit patterns into four interleaved sub-histograms (neighbouring
 * values often share a bin; one histogram would serialise on its own
 * load-increment-store), two patterns per 32-bit load when aligned.
 */
export function countHalves(halves: Uint16Array, h0: Uint32Array, h1: Uint32Array, h2: Uint32Array, h3: Uint32Array): void {
  let i = 0;
  if (halves.byteOffset % 4 === 0) {
    // Little-endian: element 2k is the low half of pair k.
    const pairs = new Uint32Array(halves.buffer, halves.byteOffset, halves.length >>> 1);
    const end2 = pairs.length & ~1;
    for (let p = 0; p < end2; p += 2) {
      const x = pairs[p]!;
      const y = pairs[p + 1]!;
      h0[x & 0xffff]!++;
      h1[x >>> 16]!++;
      h2[y & 0xffff]!++;
      h3[y >>> 16]!++;
    }
    i = end2 * 2;
  }
  for (; i < halves.length; i++) h0[halves[i]!]!++;
}

/** Streaming pattern histogram: add chunks in any order, then read float64 counts. */
export class Half16Histogram {
  private readonly subs = [0, 1, 2, 3].map(() => new Uint32Array(65536));
  private readonly total = new Float64Array(65536);
  private sinceFlush = 0;

  add(halves: Uint16Array): void {
    // Uint32 counts are fast; fold them into float64 before any could overflow.
    if (this.sinceFlush + halves.length > 0xffffffff) this.flush();
    this.sinceFlush += halves.length;
    const [h0, h1, h2, h3] = this.subs;
    countHalves(halves, h0!, h1!, h2!, h3!);
  }

  /** Start over (reuse one histogram across tensors instead of 1.5 MB of fresh arrays each). */
  reset(): void {
    for (const sub of this.subs) sub.fill(0);
    this.total.fill(0);
    this.sinceFlush = 0;
  }

  /** The count of every pattern (a live view: do not keep it across add() or reset()). */
  counts(): Float64Array {
    this.flush();
    return this.total;
  }

  private flush(): void {
    const total = this.total;
    for (const sub of this.subs) {
      for (let b = 0; b < 65536; b++) total[b]! += sub[b]!;
      sub.fill(0);
    }
    this.sinceFlush = 0;
  }
}

// ---------------------------------------------------------------- figures from the bins

/** Moments over the finite values; NaN/±Inf are only counted in nonFinite. */
export interface Histogram16Sums {
  count: number;
  nonFinite: number;
  sum: number;
  sumAbs: number;
  sumSq: number;
  /** +Infinity / −Infinity when count is 0. */
  min: number;
  max: number;
}

/** Σ, Σ|·|, Σ², min, max of the values the bins hold, summed in pattern order (float64). */
export function histogram16Sums(counts: Float64Array, kind: Half16Kind): Histogram16Sums {
  const values = half16Values(kind);
  let count = 0;
  let nonFinite = 0;
  let sum = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let b = 0; b < 65536; b++) {
    const c = counts[b]!;
    if (c === 0) continue;
    const v = values[b]!;
    if (v - v !== 0) {
      nonFinite += c;
      continue;
    }
    count += c;
    sum += c * v;
    sumAbs += c * Math.abs(v);
    sumSq += c * v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { count, nonFinite, sum, sumAbs, sumSq, min, max };
}

/** γ of absmean from a pattern histogram: max(Σ|W|/n, 1e-5) with Σ|W| from the bins. */
export function absmeanGammaOfHistogram16(counts: Float64Array, kind: Half16Kind): number {
  const s = histogram16Sums(counts, kind);
  return absmeanGammaFromSum(s.sumAbs, s.count);
}

/** Lower median of |W| over the `count` finite values (0 when there are none). */
export function lowerMedianAbsOfHistogram16(counts: Float64Array, kind: Half16Kind, count: number): number {
  if (count <= 0) return 0;
  const values = half16Values(kind);
  let k = Math.floor((count - 1) / 2);
  // Both formats order magnitudes like their patterns (sign bit clear); the
  // non-finite patterns sit at the top and are skipped.
  for (let m = 0; m < 0x8000; m++) {
    const v = values[m]!;
    if (v - v !== 0) continue;
    const c = counts[m]! + counts[m | 0x8000]!;
    if (k < c) return v;
    k -= c;
  }
  throw new Error('pattern histogram holds fewer finite values than counted');
}

/**
 * Code of every pattern. 'ternary': +1 above t, −1 below −t, else 0 (absmean
 * with t = γ/2, median with t = m). 'sign': +1 above t, else −1. Non-finite
 * patterns get 0 in both, as the shared quantizers give them.
 */
export function codeTable16(kind: Half16Kind, t: number, rule: 'ternary' | 'sign', out: Int8Array = new Int8Array(65536)): Int8Array {
  const values = half16Values(kind);
  for (let b = 0; b < 65536; b++) {
    const v = values[b]!;
    out[b] = v - v !== 0 ? 0 : v > t ? 1 : rule === 'sign' ? -1 : v < -t ? -1 : 0;
  }
  return out;
}

/** Scale and per-pattern codes of a tensor, by method, from its pattern histogram. */
export interface Histogram16Quantizer {
  scale: number;
  codeOf: Int8Array;
}

export function quantizerFromHistogram16(counts: Float64Array, kind: Half16Kind, method: QuantMethod, table?: Int8Array): Histogram16Quantizer {
  const s = histogram16Sums(counts, kind);
  // Values already {−c, 0, +c}: c is γ and the codes are the signs (singleMagnitude.ts).
  const c = method === 'sign' ? undefined : singleMagnitudeOfHistogram(counts, half16Values(kind));
  if (c !== undefined) return { scale: c, codeOf: codeTable16(kind, c / 2, 'ternary', table) };
  if (method === 'absmean') {
    const gamma = absmeanGammaFromSum(s.sumAbs, s.count);
    return { scale: gamma, codeOf: codeTable16(kind, absmeanThreshold(gamma), 'ternary', table) };
  }
  if (method === 'sign') {
    const alpha = s.count > 0 ? s.sum / s.count : 0;
    return { scale: signBeta(s.sumAbs, s.count), codeOf: codeTable16(kind, alpha, 'sign', table) };
  }
  const m = lowerMedianAbsOfHistogram16(counts, kind, s.count);
  const codeOf = codeTable16(kind, m, 'ternary', table);
  let nonzero = 0;
  for (let b = 0; b < 65536; b++) if (codeOf[b] !== 0) nonzero += counts[b]!;
  return { scale: medianScale(s.sumAbs, s.count, nonzero), codeOf };
}

/**
 * out[i] = codeOf[halves[i]] — pass 2, one table load per element. When both
 * arrays are 4-byte aligned, four patterns are read as two 32-bit words and
 * their codes stored as one: a quarter of the stores of a byte loop, which
 * measured ~1.7 ns/element on this machine. (No offset argument: index
 * arithmetic in these loops slowed them; pass a subarray instead.)
 */
export function mapHalvesToCodes(halves: Uint16Array, codeOf: Int8Array, out: Int8Array): void {
  const n = halves.length;
  if (out.length < n) throw new RangeError('code buffer shorter than the patterns');
  let i = 0;
  if (halves.byteOffset % 4 === 0 && out.byteOffset % 4 === 0 && LITTLE_ENDIAN) {
    const quads = n >>> 2;
    const pairs = new Uint32Array(halves.buffer, halves.byteOffset, quads * 2);
    const words = new Uint32Array(out.buffer, out.byteOffset, quads);
    // Codes as unsigned bytes (−1 → 0xff) so the four fit one word without sign spill.
    const table = new Uint8Array(codeOf.buffer, codeOf.byteOffset, 65536);
    mapQuads(pairs, table, words);
    i = quads * 4;
  }
  for (; i < n; i++) out[i] = codeOf[halves[i]!]!;
}

function mapQuads(pairs: Uint32Array, table: Uint8Array, words: Uint32Array): void {
  const q = words.length;
  for (let k = 0; k < q; k++) {
    const x = pairs[2 * k]!;
    const y = pairs[2 * k + 1]!;
    words[k] = (table[x & 0xffff]! | (table[x >>> 16]! << 8) | (table[y & 0xffff]! << 16) | (table[y >>> 16]! << 24)) >>> 0;
  }
}

/** The in-memory form of the route: quantize stored 16-bit patterns whole. */
export function quantizeHalves16(halves: Uint16Array, kind: Half16Kind, method: QuantMethod, codes = new Int8Array(halves.length)): TernaryTensor {
  const h = new Half16Histogram();
  h.add(halves);
  const q = quantizerFromHistogram16(h.counts(), kind, method);
  const out = codes.length === halves.length ? codes : codes.subarray(0, halves.length);
  mapHalvesToCodes(halves, q.codeOf, out);
  return { codes: out, scale: q.scale };
}

// Give the hot loops type feedback for every branch before V8 first optimises
// them mid-loop: otherwise the first real call optimises the pair loop before
// the odd-length tail ever ran, and the code deoptimises at the tail (seen
// with --trace-deopt on Node 20; tensorStats.ts explains the pattern).
(function warmUpKernels(): void {
  const u = new Uint32Array(65536);
  const halves = new Uint16Array(12);
  const codes = new Int8Array(12);
  const table = new Int8Array(65536);
  for (let r = 0; r < 32; r++) {
    countHalves(halves.subarray(0, 7), u, u, u, u);
    countHalves(halves.subarray(1, 8), u, u, u, u);
    mapHalvesToCodes(halves, table, codes);
    mapHalvesToCodes(halves.subarray(1, 7), table, codes.subarray(1, 7));
  }
})();
