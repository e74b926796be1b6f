/**
 * Per-tensor statistics of ternary quantization, computed while streaming the
 * tensor's values chunk by chunk — the one statistics pass of the product.
 *
 * Driver protocol (analyze.ts, tests):
 *     const b = new TensorStatsBuilder({ method });
 *     while (b.beginPass()) for (const chunk of valuesOfTheTensor()) b.add(chunk);
 *     const stats = b.finish();
 *
 * Two ways through, both giving the same figures:
 *
 * 1. "bits16" — one pass, for data whose float32 values have their low 16 bits
 *    zero (BF16, F8, int8/uint8 decoded to float32): count the high 16 bits of
 *    every value into 65,536 bins. Each bin then is ONE exact value, so every
 *    figure (moments, γ, median, codes, errors, the W histogram) follows exactly
 *    from the bin counts. Per element this is one increment — it is what lets
 *    the analysis run at file-read speed. The caller opts in by dtype
 *    (`exact16: true`); if a value with low bits set turns up anyway, the
 *    builder falls back to the general way (two more passes), still exact.
 *
 * 2. "general" — two passes:
 *    pass 1: count, Σ|W|, ΣW, ΣW², min, max, non-finite count (+ the high-bits
 *            histogram of |W| for the median method);
 *    pass 2: codes with the now-known scale/threshold → zeros/+1/−1, Σ|W| over
 *            the nonzero codes, Σ(W − mean)², the histogram of W.
 *    The median method folds its "refine" step (median.ts) into pass 2: values
 *    in the median's high-bits bin are counted by their low 16 bits (per sign),
 *    and their codes are settled after the pass once the exact median is known.
 *
 * Errors need no second look at the data: with A = Σ_{Q≠0}|W|, N = #(Q≠0) and
 * S2 = ΣW², ‖W − Q·s‖² = S2 − 2·s·A + s²·N (sign method: ΣW·Q instead of A and
 * every code nonzero). Sums are float64.
 *
 * Defined for every input (no NaN/Infinity in the report): NaN/±Inf are counted
 * in `nonFinite` and left out of every other figure; a tensor with no finite
 * value reports zeros; ‖W‖ = 0 gives relRmse 0 (1 if the reconstruction is not
 * zero), cosine 1 (0), SQNR 0 dB; an exact reconstruction gives SQNR capped at
 * SQNR_CAP_DB; min == max gives a histogram one unit of |min| wide (or 1 wide
 * around 0) centred on the value.
 */
import { absmeanGammaFromSum, absmeanThreshold } from '../quant/absmean.js';
import { floatFromBits, lowRank, medianScale, AbsMedianFinder } from '../quant/median.js';
import { signBeta } from '../quant/sign.js';
import { SingleMagnitude, singleMagnitudeOfHistogram } from '../quant/singleMagnitude.js';
import { GAMMA_EPS, type QuantMethod } from '../quant/types.js';
import { countHalves, half16Values, histogram16Sums, lowerMedianAbsOfHistogram16 } from '../quant/histogram16.js';
import type { Histogram, TensorStats } from './report.js';
import { maxLanes, minLanes, statsKernel, sumLanes, type StatsKernel } from '../kernels/statsKernel.js';

export const DEFAULT_HISTOGRAM_BINS = 64;
/** Reported when ‖W − Q·s‖ is zero (or below float64 resolution of ‖W‖²): 10·log10(1e30). */
export const SQNR_CAP_DB = 300;

export interface StatsConfig {
  method: QuantMethod;
  /** Histogram bins (default 64). */
  bins?: number;
  /** The values already are stored ternary codes × scale: report those codes (threshold 0), no re-quantization. */
  storedTernary?: boolean;
  /** The caller expects every float32 value to have zero low 16 bits (BF16, F8, 8-bit ints): try the one-pass way. */
  exact16?: boolean;
  /**
   * What the 16-bit patterns given to addHigh16() are: 'bf16' (default; also
   * the high halves of float32 values) or 'f16' — IEEE half, whose 65,536
   * patterns are single values too, so stored F16 also takes the one-pass way.
   */
  halves?: 'bf16' | 'f16';
  /**
   * Where the float32 per-element loops run: 'auto' (default) in WebAssembly
   * when available (src/core/kernels/stats.wat, same float64 results, a few
   * times faster), 'typescript' in the loops below.
   */
  loops?: 'auto' | 'typescript';
}

type Mode = 'bits16' | 'general';

export class TensorStatsBuilder {
  readonly method: QuantMethod;
  readonly bins: number;
  readonly storedTernary: boolean;
  private readonly halves: 'bf16' | 'f16';
  private readonly wasm: StatsKernel | undefined;
  private mode: Mode;
  /** 0 before the first beginPass(); 1 or 2 within the current mode. */
  private pass = 0;
  private done = false;

  // bits16 state
  private high16?: Uint32Array[];
  private high16Total?: Float64Array;
  private sinceFlush = 0;
  private lowBits = 0;

  // general pass-1 sums
  private count = 0;
  private nonFinite = 0;
  private sum = 0;
  private sumAbs = 0;
  private sumSq = 0;
  private min = Infinity;
  private max = -Infinity;
  private finder?: AbsMedianFinder;

  // pass-2 state
  private threshold = 0;
  private mean = 0;
  private histLo = 0;
  private histHi = 1;
  private histK = 0;
  private histogram!: Float64Array;
  private plus = 0;
  private minus = 0;
  /** Σ|W| over nonzero codes (ternary) or ΣW over +1 codes (sign). */
  private codeSum = 0;
  private sumDev = 0;
  private lowPos?: Float64Array;
  private lowNeg?: Float64Array;
  private refining = false;

  // Values already exactly {−c, 0, +c} (a fake-quantized tensor): reported as
  // stored ternary with γ = c instead of quantized a second time.
  /** Watches pass 1 for a second magnitude; undefined for stored codes. */
  private ternaryWatch: SingleMagnitude | undefined;
  /** c once the tensor is known to be {−c, 0, +c} (NaN until then). */
  private ternaryAbs = NaN;
  private detectedTernary = false;

  constructor(config: StatsConfig) {
    this.method = config.method;
    this.bins = Math.max(1, Math.floor(config.bins ?? DEFAULT_HISTOGRAM_BINS));
    this.storedTernary = config.storedTernary === true;
    this.ternaryWatch = this.storedTernary ? undefined : new SingleMagnitude();
    this.halves = config.halves ?? 'bf16';
    this.mode = config.exact16 === true ? 'bits16' : 'general';
    this.wasm = config.loops === 'typescript' ? undefined : statsKernel();
  }

  /** Which way the figures were computed ('bits16' one pass, or 'general' two passes). */
  get way(): Mode {
    return this.mode;
  }

  /** Codes are read off the values (threshold 0), not chosen by the method: stored codes, or values already ternary. */
  private get codesGiven(): boolean {
    return this.storedTernary || this.detectedTernary;
  }

  /** Start the next pass over the tensor's values; false when no more passes are needed. */
  beginPass(): boolean {
    if (this.done) return false;
    if (this.pass === 0) {
      this.pass = 1;
      this.startPass1();
      return true;
    }
    if (this.mode === 'bits16') {
      if (this.flushHigh16() === 0) {
        this.done = true;
        return false;
      }
      // A value with low bits set: the bins are not single values. Start over the general way.
      this.mode = 'general';
      this.pass = 1;
      this.startPass1();
      return true;
    }
    if (this.pass === 1) {
      this.pass = 2;
      this.startPass2();
      return true;
    }
    this.done = true;
    return false;
  }

  add(chunk: Float32Array): void {
    if (this.mode === 'bits16') this.addBits16(chunk);
    else if (this.pass === 1) this.addPass1(chunk);
    else if (this.refining) this.addPass2MedianRefine(chunk);
    else if (this.method === 'sign' && !this.codesGiven) this.addPass2Sign(chunk);
    else this.addPass2Ternary(chunk);
  }

  finish(): TensorStats {
    if (!this.done) throw new Error('TensorStatsBuilder.finish() before the last pass');
    if (this.mode === 'bits16') this.finishFromHigh16();
    else if (this.refining) this.settleMedianBin();
    return this.result();
  }

  // ---------------------------------------------------------------- bits16

  private addBits16(chunk: Float32Array): void {
    if (this.halves !== 'bf16') throw new Error('float32 chunks given to a builder expecting F16 patterns');
    this.reserveCounts(chunk.length);
    const [h0, h1, h2, h3] = this.high16!;
    this.lowBits |= countHigh16OfFloats(new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length), h0!, h1!, h2!, h3!) & 0xffff;
  }

  /**
   * One-pass way straight from stored 16-bit patterns (BF16 = the high half
   * of the float32, or F16 with `halves: 'f16'`): no decoding at all. Only
   * valid while the builder is in the one-pass way (`way === 'bits16'`).
   */
  addHigh16(halves: Uint16Array): void {
    if (this.mode !== 'bits16' || this.pass !== 1) throw new Error('addHigh16 outside the one-pass way');
    this.reserveCounts(halves.length);
    const [h0, h1, h2, h3] = this.high16!;
    countHalves(halves, h0!, h1!, h2!, h3!);
  }

  /** Uint32 bin counts are fast; fold them into float64 before any could overflow. */
  private reserveCounts(n: number): void {
    if (this.sinceFlush + n > 0xffffffff) this.flushHigh16();
    this.sinceFlush += n;
  }

  /** Fold the uint32 counts into float64 totals; returns the OR of all low bits seen. */
  private flushHigh16(): number {
    const total = this.high16Total!;
    for (const high of this.high16!) {
      for (let b = 0; b < 65536; b++) total[b]! += high[b]!;
      high.fill(0);
    }
    this.sinceFlush = 0;
    return this.lowBits;
  }

  /**
   * Everything from the 65,536 single-valued bins, the same rules as the
   * general way. Sums and the median come from src/core/quant/histogram16.ts,
   * the functions the quantize engine uses for 16-bit inputs, so both report
   * the same γ and codes.
   */
  private finishFromHigh16(): void {
    const counts = this.high16Total!;
    const values = half16Values(this.halves);
    const s = histogram16Sums(counts, this.halves);
    this.count = s.count;
    this.nonFinite = s.nonFinite;
    this.sum = s.sum;
    this.sumAbs = s.sumAbs;
    this.sumSq = s.sumSq;
    this.min = s.min;
    this.max = s.max;
    this.detectTernaryInHigh16(counts, values);
    if (this.method === 'median' && !this.codesGiven) {
      this.threshold = lowerMedianAbsOfHistogram16(counts, this.halves, this.count);
    }
    this.startPass2();
    const sign = this.method === 'sign' && !this.codesGiven;
    const t = this.threshold;
    const hist = this.histogram;
    for (let b = 0; b < 65536; b++) {
      const c = counts[b]!;
      if (c === 0 || !Number.isFinite(values[b]!)) continue;
      const v = values[b]!;
      if (sign) {
        if (v > t) {
          this.plus += c;
          this.codeSum += c * v;
        } else this.minus += c;
      } else if (v > t) {
        this.plus += c;
        this.codeSum += c * v;
      } else if (v < -t) {
        this.minus += c;
        this.codeSum -= c * v;
      }
      const d = v - this.mean;
      this.sumDev += c * d * d;
      hist[this.binOf(v)]! += c;
    }
  }

  /** Every nonzero bin holding ±the same magnitude means the tensor already is ternary. */
  private detectTernaryInHigh16(counts: Float64Array, values: Float64Array | Float32Array): void {
    if (this.ternaryWatch === undefined) return;
    const c = singleMagnitudeOfHistogram(counts, values);
    if (c !== undefined) {
      this.detectedTernary = true;
      this.ternaryAbs = c;
    }
  }

  private binOf(v: number): number {
    const j = ((v - this.histLo) * this.histK) | 0;
    return j < 0 ? 0 : j >= this.bins ? this.bins - 1 : j;
  }

  // ---------------------------------------------------------------- general

  private startPass1(): void {
    this.count = 0;
    this.nonFinite = 0;
    this.sum = 0;
    this.sumAbs = 0;
    this.sumSq = 0;
    this.min = Infinity;
    this.max = -Infinity;
    if (this.mode === 'bits16') {
      this.high16 = [0, 1, 2, 3].map(() => new Uint32Array(65536));
      this.high16Total = new Float64Array(65536);
    } else {
      this.high16 = undefined;
      this.high16Total = undefined;
      if (this.method === 'median' && !this.storedTernary) this.finder = new AbsMedianFinder();
    }
  }

  private addPass1(chunk: Float32Array): void {
    if (this.wasm) this.wasm.moments(chunk, this.min, this.max, scratch);
    else momentsKernel(chunk, this.min, this.max);
    this.count += scratch[0]!;
    this.nonFinite += scratch[1]!;
    this.sum += scratch[2]!;
    this.sumAbs += scratch[3]!;
    this.sumSq += scratch[4]!;
    this.min = scratch[5]!;
    this.max = scratch[6]!;
    this.finder?.add(chunk);
    // Gives up at the first second magnitude, so a real weight tensor pays for two or three elements.
    this.ternaryWatch?.add(chunk);
  }

  /** Scale-dependent setup shared by both ways: threshold, mean, histogram range. */
  private startPass2(): void {
    this.mean = this.count > 0 ? this.sum / this.count : 0;
    const c = this.mode === 'general' && this.pass === 2 ? this.ternaryWatch?.magnitude : undefined;
    if (c !== undefined) {
      this.detectedTernary = true;
      this.ternaryAbs = c;
      this.refining = false;
    }
    if (this.codesGiven) this.threshold = 0;
    else if (this.method === 'absmean') this.threshold = absmeanThreshold(absmeanGammaFromSum(this.sumAbs, this.count));
    else if (this.method === 'sign') this.threshold = this.mean;
    else if (this.finder) {
      this.refining = this.finder.needsRefine();
      this.threshold = this.refining ? NaN : this.finder.median();
      if (this.refining) {
        this.lowPos = new Float64Array(65536);
        this.lowNeg = new Float64Array(65536);
      }
    }
    // (bits16 median: threshold was set from the bins before this call.)
    let lo = this.count > 0 ? this.min : 0;
    let hi = this.count > 0 ? this.max : 0;
    if (hi <= lo) {
      const half = lo !== 0 ? Math.abs(lo) / 2 : 0.5;
      lo -= half;
      hi += half;
    }
    this.histLo = lo;
    this.histHi = hi;
    this.histK = this.bins / (hi - lo);
    this.histogram = new Float64Array(this.bins);
    this.plus = 0;
    this.minus = 0;
    this.codeSum = 0;
    this.sumDev = 0;
  }

  private addPass2Ternary(chunk: Float32Array): void {
    if (this.wasm) this.wasm.ternary(chunk, this.threshold, this.mean, this.histLo, this.histK, this.histogram, scratch);
    else ternaryKernel(chunk, this.threshold, this.mean, this.histLo, this.histK, this.histogram);
    this.takePass2Scratch();
  }

  private takePass2Scratch(): void {
    this.plus += scratch[0]!;
    this.minus += scratch[1]!;
    this.codeSum += scratch[2]!;
    this.sumDev += scratch[3]!;
  }

  private addPass2Sign(chunk: Float32Array): void {
    signKernel(chunk, this.threshold, this.mean, this.histLo, this.histK, this.histogram);
    this.takePass2Scratch();
  }

  /** Median pass 2 when the threshold is known only to its high-bits bin (see file comment). */
  private addPass2MedianRefine(chunk: Float32Array): void {
    medianRefineKernel(chunk, this.finder!.bin, this.lowPos!, this.lowNeg!, this.mean, this.histLo, this.histK, this.histogram);
    this.takePass2Scratch();
  }

  /** After the median pass 2: find the exact median inside its bin, then code that bin's values. */
  private settleMedianBin(): void {
    const finder = this.finder!;
    const lowPos = this.lowPos!;
    const lowNeg = this.lowNeg!;
    const both = new Float64Array(65536);
    for (let j = 0; j < 65536; j++) both[j] = lowPos[j]! + lowNeg[j]!;
    const base = finder.bin << 16;
    const medianLow = lowRank(both, finder.rankInBin);
    this.threshold = floatFromBits(base | medianLow);
    for (let j = medianLow + 1; j < 65536; j++) {
      const c = both[j]!;
      if (c === 0) continue;
      this.plus += lowPos[j]!;
      this.minus += lowNeg[j]!;
      this.codeSum += c * floatFromBits(base | j);
    }
  }

  // ---------------------------------------------------------------- result

  private result(): TensorStats {
    const n = this.count;
    const sign = this.method === 'sign' && !this.codesGiven;
    const nonzero = this.plus + this.minus;
    const zeros = sign ? 0 : n - nonzero;
    let scale: number;
    let dot: number; // Σ W·Q
    let qq: number; // Σ Q²
    if (sign) {
      scale = signBeta(this.sumAbs, n);
      dot = 2 * this.codeSum - this.sum;
      qq = n;
    } else {
      if (this.detectedTernary) scale = this.ternaryAbs;
      else if (this.storedTernary) scale = nonzero > 0 ? this.codeSum / nonzero : GAMMA_EPS;
      else if (this.method === 'absmean') scale = absmeanGammaFromSum(this.sumAbs, n);
      else scale = medianScale(this.sumAbs, n, nonzero);
      dot = this.codeSum;
      qq = nonzero;
    }
    const s2 = this.sumSq;
    // Values already ternary are reproduced exactly; the sums would leave rounding dust.
    const err = this.detectedTernary ? 0 : Math.max(0, s2 - 2 * scale * dot + scale * scale * qq);
    const reconstructionZero = qq === 0;
    let relRmse: number;
    let cosine: number;
    let sqnrDb: number;
    if (s2 > 0) {
      relRmse = Math.sqrt(err / s2);
      cosine = qq > 0 ? clamp(dot / (Math.sqrt(qq) * Math.sqrt(s2)), -1, 1) : 0;
      sqnrDb = err > s2 * 1e-30 ? 10 * Math.log10(s2 / err) : SQNR_CAP_DB;
    } else {
      relRmse = reconstructionZero ? 0 : 1;
      cosine = reconstructionZero ? 1 : 0;
      sqnrDb = 0;
    }
    const thresholds = this.codesGiven ? [] : sign ? [this.threshold] : [-this.threshold, this.threshold];
    return {
      gamma: scale,
      zeros,
      plus: this.plus,
      minus: this.minus,
      zeroFraction: n > 0 ? zeros / n : 0,
      entropyBits: entropy3(zeros, this.plus, this.minus),
      relRmse,
      cosine,
      sqnrDb,
      min: n > 0 ? this.min : 0,
      max: n > 0 ? this.max : 0,
      mean: this.mean,
      std: n > 0 ? Math.sqrt(this.sumDev / n) : 0,
      nonFinite: this.nonFinite,
      histogram: this.histogramResult(),
      thresholds,
      ...(this.codesGiven ? { storedTernary: true } : {}),
      ...(this.detectedTernary ? { fakeQuantized: true } : {}),
    };
  }

  private histogramResult(): Histogram {
    const edges: number[] = [];
    const span = this.histHi - this.histLo;
    for (let i = 0; i < this.bins; i++) edges.push(this.histLo + (span * i) / this.bins);
    edges.push(this.histHi);
    return { edges, counts: Array.from(this.histogram) };
  }
}

// ---------------------------------------------------------------- hot loops
//
// The per-element loops live in plain module functions that hand their sums
// back through `scratch`. Written as class methods (loop + field updates after
// it) V8's on-stack-replaced code kept deoptimising on the code after the loop
// at every call, and ran ~10× slower.

/** Results of the last kernel call (layout documented per kernel). */
const scratch = new Float64Array(8);

/**
 * Per-lane partial sums of the two loops below: element i of a chunk goes to
 * lane i mod 4, folded by sumLanes — the order stats.wat keeps too, so both
 * give the same bits; four add chains instead of one let the wasm loop run
 * at memory speed.
 */
const laneS = new Float64Array(4);
const laneA = new Float64Array(4);
const laneQ = new Float64Array(4);
const laneMin = new Float64Array(4);
const laneMax = new Float64Array(4);

/** scratch ← [finite count, non-finite count, ΣW, Σ|W|, ΣW², min, max] (min and max start from the given ones). */
function momentsKernel(chunk: Float32Array, min: number, max: number): void {
  let n = 0;
  let bad = 0;
  laneS.fill(0);
  laneA.fill(0);
  laneQ.fill(0);
  laneMin.fill(min);
  laneMax.fill(max);
  for (let i = 0; i < chunk.length; i++) {
    const w = chunk[i]!;
    // w − w is 0 for finite w, NaN for NaN and ±Inf.
    if (w - w !== 0) {
      bad++;
      continue;
    }
    n++;
    const l = i & 3;
    laneS[l]! += w;
    laneA[l]! += Math.abs(w);
    laneQ[l]! += w * w;
    if (w < laneMin[l]!) laneMin[l] = w;
    if (w > laneMax[l]!) laneMax[l] = w;
  }
  scratch[0] = n;
  scratch[1] = bad;
  scratch[2] = sumLanes(laneS[0]!, laneS[1]!, laneS[2]!, laneS[3]!);
  scratch[3] = sumLanes(laneA[0]!, laneA[1]!, laneA[2]!, laneA[3]!);
  scratch[4] = sumLanes(laneQ[0]!, laneQ[1]!, laneQ[2]!, laneQ[3]!);
  scratch[5] = minLanes(laneMin[0]!, laneMin[1]!, laneMin[2]!, laneMin[3]!);
  scratch[6] = maxLanes(laneMax[0]!, laneMax[1]!, laneMax[2]!, laneMax[3]!);
}

/**
 * Ternary codes by |W| > t. scratch ← [#(+1), #(−1), Σ|W| over nonzero codes,
 * Σ(W − mean)²] (sums in lanes as momentsKernel); counts W into hist.
 */
function ternaryKernel(chunk: Float32Array, t: number, mean: number, lo: number, k: number, hist: Float64Array): void {
  const last = hist.length - 1;
  let plus = 0;
  let minus = 0;
  laneA.fill(0);
  laneQ.fill(0);
  for (let i = 0; i < chunk.length; i++) {
    const w = chunk[i]!;
    if (w - w !== 0) continue;
    const l = i & 3;
    if (w > t) {
      plus++;
      laneA[l]! += w;
    } else if (w < -t) {
      minus++;
      laneA[l]! -= w;
    }
    const d = w - mean;
    laneQ[l]! += d * d;
    // w ≥ lo, so truncation is floor; an int32 index keeps the element access on the fast path.
    let j = ((w - lo) * k) | 0;
    if (j > last) j = last;
    else if (j < 0) j = 0;
    hist[j]!++;
  }
  scratch[0] = plus;
  scratch[1] = minus;
  scratch[2] = sumLanes(laneA[0]!, laneA[1]!, laneA[2]!, laneA[3]!);
  scratch[3] = sumLanes(laneQ[0]!, laneQ[1]!, laneQ[2]!, laneQ[3]!);
}

/** Sign codes by W > α. scratch ← [#(+1), #(−1), ΣW over +1 codes, Σ(W − mean)²]; counts W into hist. */
function signKernel(chunk: Float32Array, alpha: number, mean: number, lo: number, k: number, hist: Float64Array): void {
  const last = hist.length - 1;
  let plus = 0;
  let minus = 0;
  let sumPlus = 0;
  let dev = 0;
  for (let i = 0; i < chunk.length; i++) {
    const w = chunk[i]!;
    if (w - w !== 0) continue;
    if (w > alpha) {
      plus++;
      sumPlus += w;
    } else minus++;
    const d = w - mean;
    dev += d * d;
    // w ≥ lo, so truncation is floor; an int32 index keeps the element access on the fast path.
    let j = ((w - lo) * k) | 0;
    if (j > last) j = last;
    else if (j < 0) j = 0;
    hist[j]!++;
  }
  scratch[0] = plus;
  scratch[1] = minus;
  scratch[2] = sumPlus;
  scratch[3] = dev;
}

/**
 * Median pass 2 when the threshold is known only to its high-bits bin: values
 * above the bin are nonzero, below are zero, inside are counted by their low
 * 16 bits per sign (settled later). scratch as ternaryKernel.
 */
function medianRefineKernel(
  chunk: Float32Array, bin: number, lowPos: Float64Array, lowNeg: Float64Array,
  mean: number, lo: number, k: number, hist: Float64Array,
): void {
  const bits = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length);
  const last = hist.length - 1;
  let plus = 0;
  let minus = 0;
  let a = 0;
  let dev = 0;
  for (let i = 0; i < chunk.length; i++) {
    const w = chunk[i]!;
    if (w - w !== 0) continue;
    const x = bits[i]!;
    const mag = x & 0x7fffffff;
    const h = mag >>> 16;
    if (h > bin) {
      if (x === mag) plus++;
      else minus++;
      a += Math.abs(w);
    } else if (h === bin) {
      if (x === mag) lowPos[mag & 0xffff]!++;
      else lowNeg[mag & 0xffff]!++;
    }
    const d = w - mean;
    dev += d * d;
    // w ≥ lo, so truncation is floor; an int32 index keeps the element access on the fast path.
    let j = ((w - lo) * k) | 0;
    if (j > last) j = last;
    else if (j < 0) j = 0;
    hist[j]!++;
  }
  scratch[0] = plus;
  scratch[1] = minus;
  scratch[2] = a;
  scratch[3] = dev;
}

/**
 * Count the high 16 bits of float32 patterns into four interleaved
 * sub-histograms (neighbouring values often share a bin; one histogram would
 * serialise on its own load-increment-store). Returns the OR of all patterns.
 */
function countHigh16OfFloats(bits: Uint32Array, h0: Uint32Array, h1: Uint32Array, h2: Uint32Array, h3: Uint32Array): number {
  const end4 = bits.length & ~3;
  let low = 0;
  let i = 0;
  for (; i < end4; i += 4) {
    const a = bits[i]!;
    const b = bits[i + 1]!;
    const c = bits[i + 2]!;
    const d = bits[i + 3]!;
    h0[a >>> 16]!++;
    h1[b >>> 16]!++;
    h2[c >>> 16]!++;
    h3[d >>> 16]!++;
    low |= a | b | c | d;
  }
  for (; i < bits.length; i++) {
    const x = bits[i]!;
    h0[x >>> 16]!++;
    low |= x;
  }
  return low;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Entropy in bits of the distribution given by three counts (0 for an empty one). */
export function entropy3(a: number, b: number, c: number): number {
  const n = a + b + c;
  if (n === 0) return 0;
  let h = 0;
  for (const k of [a, b, c]) if (k > 0) h -= (k / n) * Math.log2(k / n);
  return h;
}

/** Statistics of an in-memory tensor (tests, small tensors, the training panel). */
export function computeTensorStats(values: Float32Array, config: StatsConfig): TensorStats {
  const b = new TensorStatsBuilder(config);
  while (b.beginPass()) b.add(values);
  return b.finish();
}

/** Dtypes whose float32 decoding never sets the low 16 bits, so the one-pass way applies. */
export const EXACT16_DTYPES: ReadonlySet<string> = new Set(['BF16', 'F8_E4M3', 'F8_E5M2', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'I8', 'U8', 'BOOL']);

// Give every hot loop type feedback for the code after its loop before V8 first
// optimises it mid-loop (on-stack replacement). Without this, the first real
// call optimises the loop before the lines after it ever ran; that code then
// deoptimises at the end of EVERY later call and the loops run ~10× slower
// (measured on Node 20). V8 only starts recording feedback for a function
// after several calls, hence the repetitions.
(function warmUpKernels(): void {
  const f = new Float32Array([0.5, -1, 0, 2, NaN, 0.25, -0.125, 3]);
  const h = new Float64Array(4);
  const u = new Uint32Array(65536);
  const lowPos = new Float64Array(65536);
  const lowNeg = new Float64Array(65536);
  for (let r = 0; r < 32; r++) {
    momentsKernel(f, Infinity, -Infinity);
    ternaryKernel(f, 0.5, 0, -1, 1, h);
    signKernel(f, 0, 0, -1, 1, h);
    medianRefineKernel(f, 0x3f00, lowPos, lowNeg, 0, -1, 1, h);
    countHigh16OfFloats(new Uint32Array(f.buffer), u, u, u, u);
    countHalves(new Uint16Array(8), u, u, u, u);
  }
})();
