/**
 * The float32 statistics loops of src/core/analysis/tensorStats.ts in
 * WebAssembly (stats.wat): same float64 results as the TypeScript loops, a
 * few times faster. Both keep each sum in four lanes (element i of a chunk in
 * lane i mod 4) and fold them with sumLanes / minLanes / maxLanes below. Instantiated synchronously on first use (the statistics
 * API is synchronous); undefined where WebAssembly is missing, and the
 * caller keeps its TypeScript loops.
 */
import { STATS_WASM_BASE64 } from './generated/statsWasm.js';

interface StatsExports {
  memory: WebAssembly.Memory;
  moments(p: number, n: number): void;
  ternary(p: number, n: number, t: number, mean: number, lo: number, k: number, bins: number): void;
}

/** Elements copied in per call: bounds the module's memory (it never shrinks) at 4 MiB of chunk. */
const SLICE = 1 << 20;
const HIST_AT = 256;
/** Accumulator slots (stats.wat "Memory"): byte offsets. */
const AT = { count: 0, minus: 8, sum: 16, sumAbs: 48, sumSq: 80, min: 112, max: 128, codeSum: 16, dev: 48 } as const;

/** The one order in which both loops fold a sum's four lanes. */
export function sumLanes(l0: number, l1: number, l2: number, l3: number): number {
  return (l0 + l1) + (l2 + l3);
}

/** Folds per-lane minima in lane order; the first wins a tie (±0), as `<` does element by element. */
export function minLanes(l0: number, l1: number, l2: number, l3: number): number {
  let m = l0;
  if (l1 < m) m = l1;
  if (l2 < m) m = l2;
  if (l3 < m) m = l3;
  return m;
}

export function maxLanes(l0: number, l1: number, l2: number, l3: number): number {
  let m = l0;
  if (l1 > m) m = l1;
  if (l2 > m) m = l2;
  if (l3 > m) m = l3;
  return m;
}
/** The ternary loop stages its bin bytes in 4 KiB right after the sub-histograms (stats.wat). */
const STAGE_BYTES = 4096;

export interface StatsKernel {
  /** acc ← [finite count, non-finite count, ΣW, Σ|W|, ΣW², min, max] of chunk, starting from min and max. */
  moments(chunk: Float32Array, min: number, max: number, acc: Float64Array): void;
  /** acc ← [#(+1), #(−1), Σ|W| over nonzero codes, Σ(W − mean)²]; adds the bin counts of W into hist. */
  ternary(chunk: Float32Array, t: number, mean: number, lo: number, k: number, hist: Float64Array, acc: Float64Array): void;
}

let instance: StatsKernel | null | undefined;

export function statsKernel(): StatsKernel | undefined {
  if (instance === undefined) instance = create();
  return instance ?? undefined;
}

function create(): StatsKernel | null {
  let k: StatsExports;
  try {
    const bytes = typeof Buffer !== 'undefined' ? Buffer.from(STATS_WASM_BASE64, 'base64') : Uint8Array.from(atob(STATS_WASM_BASE64), (c) => c.charCodeAt(0));
    k = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as StatsExports;
  } catch {
    return null;
  }
  let bins = 0;
  const room = (histBins: number): number => {
    const chunkAt = HIST_AT + 16 * Math.max(histBins, bins) + STAGE_BYTES;
    // + 16: up to three NaN of padding to a whole group of four
    const need = chunkAt + 4 * SLICE + 16;
    const have = k.memory.buffer.byteLength;
    if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
    return chunkAt;
  };
  /** Copy a slice in, padded with NaN (counted nowhere) to a multiple of four; returns the padded length. */
  const stage = (at: number, part: Float32Array): number => {
    const padded = (part.length + 3) & ~3;
    const dst = new Float32Array(k.memory.buffer, at, padded);
    dst.set(part);
    dst.fill(NaN, part.length);
    return padded;
  };
  const lanes = (at: number): number[] => Array.from(new Float64Array(k.memory.buffer, at, 4));
  return {
    moments(chunk, min, max, acc) {
      const at = room(0);
      new Float64Array(k.memory.buffer, 0, AT.min / 8).fill(0);
      new Float32Array(k.memory.buffer, AT.min, 4).fill(min);
      new Float32Array(k.memory.buffer, AT.max, 4).fill(max);
      for (let i = 0; i < chunk.length; i += SLICE) k.moments(at, stage(at, chunk.subarray(i, i + SLICE)));
      const f64 = new Float64Array(k.memory.buffer, 0, 1);
      const mn = new Float32Array(k.memory.buffer, AT.min, 4);
      const mx = new Float32Array(k.memory.buffer, AT.max, 4);
      const [s0, s1, s2, s3] = lanes(AT.sum);
      const [a0, a1, a2, a3] = lanes(AT.sumAbs);
      const [q0, q1, q2, q3] = lanes(AT.sumSq);
      acc[0] = f64[0]!;
      acc[1] = chunk.length - f64[0]!;
      acc[2] = sumLanes(s0!, s1!, s2!, s3!);
      acc[3] = sumLanes(a0!, a1!, a2!, a3!);
      acc[4] = sumLanes(q0!, q1!, q2!, q3!);
      acc[5] = minLanes(mn[0]!, mn[1]!, mn[2]!, mn[3]!);
      acc[6] = maxLanes(mx[0]!, mx[1]!, mx[2]!, mx[3]!);
    },
    ternary(chunk, t, mean, lo, kk, hist, acc) {
      bins = Math.max(bins, hist.length);
      const at = room(hist.length);
      new Float64Array(k.memory.buffer, 0, HIST_AT / 8).fill(0);
      const counts = new Int32Array(k.memory.buffer, HIST_AT, 4 * hist.length);
      counts.fill(0);
      for (let i = 0; i < chunk.length; i += SLICE) k.ternary(at, stage(at, chunk.subarray(i, i + SLICE)), t, mean, lo, kk, hist.length);
      const n = hist.length;
      const c = new Int32Array(k.memory.buffer, HIST_AT, 4 * n);
      for (let j = 0; j < n; j++) hist[j]! += c[j]! + c[n + j]! + c[2 * n + j]! + c[3 * n + j]!;
      const f64 = new Float64Array(k.memory.buffer, 0, 2);
      const [a0, a1, a2, a3] = lanes(AT.codeSum);
      const [d0, d1, d2, d3] = lanes(AT.dev);
      acc[0] = f64[0]!;
      acc[1] = f64[1]!;
      acc[2] = sumLanes(a0!, a1!, a2!, a3!);
      acc[3] = sumLanes(d0!, d1!, d2!, d3!);
    },
  };
}
