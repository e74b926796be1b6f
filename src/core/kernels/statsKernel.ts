/**
 * The float32 statistics loops of src/core/analysis/tensorStats.ts in
 * WebAssembly (stats.wat): same float64 results as the TypeScript loops, a
 * few times faster. Instantiated synchronously on first use (the statistics
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
const HIST_AT = 64;
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
    const need = chunkAt + 4 * SLICE;
    const have = k.memory.buffer.byteLength;
    if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
    return chunkAt;
  };
  return {
    moments(chunk, min, max, acc) {
      const at = room(0);
      const slots = new Float64Array(k.memory.buffer, 0, 8);
      slots.set([0, 0, 0, 0, 0, min, max]);
      for (let i = 0; i < chunk.length; i += SLICE) {
        const part = chunk.subarray(i, i + SLICE);
        new Float32Array(k.memory.buffer, at, part.length).set(part);
        k.moments(at, part.length);
      }
      acc.set(new Float64Array(k.memory.buffer, 0, 7));
    },
    ternary(chunk, t, mean, lo, kk, hist, acc) {
      bins = Math.max(bins, hist.length);
      const at = room(hist.length);
      const slots = new Float64Array(k.memory.buffer, 0, 8);
      slots.fill(0);
      const counts = new Int32Array(k.memory.buffer, HIST_AT, 4 * hist.length);
      counts.fill(0);
      for (let i = 0; i < chunk.length; i += SLICE) {
        const part = chunk.subarray(i, i + SLICE);
        new Float32Array(k.memory.buffer, at, part.length).set(part);
        k.ternary(at, part.length, t, mean, lo, kk, hist.length);
      }
      const n = hist.length;
      const c = new Int32Array(k.memory.buffer, HIST_AT, 4 * n);
      for (let j = 0; j < n; j++) hist[j]! += c[j]! + c[n + j]! + c[2 * n + j]! + c[3 * n + j]!;
      acc.set(new Float64Array(k.memory.buffer, 0, 4));
    },
  };
}
