/**
 * Kernel benchmark: float32 tfjs matMul vs the ternary wasm kernel on the same
 * shapes, measured in the same process, medians over repeats after warm-up.
 * Also measures a memcpy bandwidth so the ternary GEMV can be placed against
 * the memory-bandwidth bound (packed bytes read per second vs bytes copied per second).
 */
import { readFileSync } from 'node:fs';
import { initBackend, type BackendPreference } from '../backend.js';
import { BitnetLabError, throwIfAborted } from '../errors.js';
import type { RunOptions } from '../progress.js';
import { describeMachine } from '../analysis/machine.js';
import { dequantizedInOut, prepareFloatLayer } from './floatBaseline.js';
import { createWasmTernaryKernel } from './wasmKernel.js';
import { median, timePairMedian } from './stats.js';
import { gaussianArray, mulberry32, randomTernaryCodes } from '../random.js';

export interface KernelShape {
  out: number;
  in: number;
  batch: number;
}

export interface KernelShapeResult extends KernelShape {
  floatMs: number;
  ternaryMs: number;
  /** floatMs / ternaryMs. */
  speedup: number;
  /** Packed weight bytes read per second by the ternary kernel (GB/s, 1e9). */
  ternaryGBs: number;
  /** Float weight bytes read per second by the float baseline (GB/s). */
  floatGBs: number;
}

export interface KernelBenchResult {
  /** tfjs backend that ran the float baseline. */
  backend: string;
  cpu: string;
  kernel: string;
  threads: 1;
  repeats: number;
  warmup: number;
  shapes: KernelShapeResult[];
  bandwidth: {
    /** Bytes copied per second by a wasm v128 copy of a buffer much larger than L2 (each byte counted once). */
    memcpyGBs: number;
    memcpyBytes: number;
    /** Bytes read per second by a v128 read-only pass over the same buffer: the bound for a weight stream. */
    readGBs: number;
    /** ternaryGBs of the largest batch-1 shape. */
    ternaryGBs: number;
    /** ternaryGBs / memcpyGBs. */
    fraction: number;
    /** ternaryGBs / readGBs: how close the GEMV is to the read-bandwidth bound. */
    readFraction: number;
    shape: KernelShape | null;
  };
  notes: string[];
}

export interface KernelBenchOptions extends RunOptions {
  repeats?: number;
  warmup?: number;
  backend?: BackendPreference;
  seed?: number;
  /** Bytes for the memcpy probe (default: twice the last-level cache, 256 MiB to 1 GiB). */
  memcpyBytes?: number;
}

/** Size of the largest CPU cache (Linux sysfs), or undefined where it cannot be read. */
export function lastLevelCacheBytes(): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < 8; i++) {
    try {
      const text = readFileSync(`/sys/devices/system/cpu/cpu0/cache/index${i}/size`, 'utf8').trim();
      const m = /^(\d+)([KMG]?)$/.exec(text);
      if (!m) continue;
      const bytes = Number(m[1]) * (m[2] === 'K' ? 1024 : m[2] === 'M' ? 1024 ** 2 : m[2] === 'G' ? 1024 ** 3 : 1);
      best = Math.max(best ?? 0, bytes);
    } catch {
      break;
    }
  }
  return best;
}

/** The shapes: 4096² at batch 1, 8, 32, and the BitNet b1.58 2B4T FFN shapes. */
export const DEFAULT_KERNEL_SHAPES: KernelShape[] = [
  { out: 4096, in: 4096, batch: 1 },
  { out: 4096, in: 4096, batch: 8 },
  { out: 4096, in: 4096, batch: 32 },
  { out: 6912, in: 2560, batch: 1 },
  { out: 2560, in: 6912, batch: 1 },
  { out: 6912, in: 2560, batch: 8 },
  { out: 2560, in: 6912, batch: 8 },
];

export async function benchKernels(shapes: KernelShape[] = DEFAULT_KERNEL_SHAPES, options: KernelBenchOptions = {}): Promise<KernelBenchResult> {
  const repeats = options.repeats ?? 15;
  const warmup = options.warmup ?? 3;
  const { tf, name: backend, notes: backendNotes } = await initBackend(options.backend ?? 'auto');
  const kernel = await createWasmTernaryKernel();
  kernel.warmUp();
  const next = mulberry32(options.seed ?? 1);
  const notes = [...backendNotes.map((n) => `backend fallback: ${n}`)];
  if (backend === 'wasm') notes.push('tfjs-wasm runs single-threaded in Node (tfjs hard-codes it), like the ternary kernel');

  for (const s of shapes) {
    // The float baseline holds out·in float32 values in the tfjs-wasm heap (unreliable past ≈3.6 GiB).
    if (s.out * s.in * 4 > 2 ** 30 || s.batch * s.in * 4 > 2 ** 28) {
      throw new BitnetLabError('limit', `kernel benchmark: shape ${s.out}×${s.in} at batch ${s.batch} is larger than the float baseline can hold (1 GiB of weights)`);
    }
  }
  const results: KernelShapeResult[] = [];
  for (let i = 0; i < shapes.length; i++) {
    throwIfAborted(options.signal);
    const s = shapes[i]!;
    options.onProgress?.({ label: `${s.out}×${s.in} batch ${s.batch}`, done: i, total: shapes.length, unit: 'runs' });
    // About a third zeros, as absmean gives on Gaussian weights (§1.6).
    const codes = randomTernaryCodes(s.out * s.in, next, 0.31);
    const gamma = 0.02;
    const x = gaussianArray(s.batch * s.in, next);
    const m = kernel.prepareTernaryMatrix(codes, s.out, s.in, gamma);
    const layer = prepareFloatLayer(tf, dequantizedInOut(codes, s.out, s.in, gamma), s.out, s.in, x, s.batch);
    let floatMs: number;
    let ternaryMs: number;
    try {
      [floatMs, ternaryMs] = timePairMedian(() => layer.run(), () => kernel.gemm(m, x, s.batch), repeats, warmup);
    } finally {
      layer.dispose();
    }
    results.push({
      ...s,
      floatMs,
      ternaryMs,
      speedup: floatMs / ternaryMs,
      ternaryGBs: m.packed.length / (ternaryMs * 1e6),
      floatGBs: (s.out * s.in * 4) / (floatMs * 1e6),
    });
  }
  options.onProgress?.({ label: 'memcpy', done: shapes.length, total: shapes.length, unit: 'runs' });

  const llc = lastLevelCacheBytes();
  // A probe buffer that fits the last-level cache measures the cache, not DRAM.
  const memcpyBytes = options.memcpyBytes ?? Math.min(2 ** 30, Math.max(2 ** 28, 2 * (llc ?? 0)));
  const copies: number[] = [];
  kernel.timeCopy(memcpyBytes);
  for (let i = 0; i < Math.max(5, Math.min(repeats, 9)); i++) copies.push(kernel.timeCopy(memcpyBytes));
  const memcpyGBs = memcpyBytes / (median(copies) * 1e6);
  const reads: number[] = [];
  for (let i = 0; i < Math.max(5, Math.min(repeats, 9)); i++) reads.push(kernel.timeRead(memcpyBytes));
  const readGBs = memcpyBytes / (median(reads) * 1e6);

  // The headline layer when present, else the largest GEMV.
  const gemvs = results.filter((r) => r.batch === 1).sort((a, b) => b.out * b.in - a.out * a.in);
  const top = gemvs.find((r) => r.out === 4096 && r.in === 4096) ?? gemvs[0];
  const ternaryGBs = top?.ternaryGBs ?? NaN;
  if (llc !== undefined) notes.push(`last-level cache ${(llc / 2 ** 20).toFixed(0)} MiB; bandwidth probe buffer ${(memcpyBytes / 2 ** 20).toFixed(0)} MiB`);
  if (top && (llc === undefined || top.out * top.in / 4 < llc)) {
    notes.push('the packed weights of the GEMV fit in cache and are read from there on repeated runs, so its GB/s compares cache-resident reads with the probe');
  }
  return {
    backend,
    cpu: describeMachine(),
    kernel: kernel.name,
    threads: 1,
    repeats,
    warmup,
    shapes: results,
    bandwidth: {
      memcpyGBs,
      memcpyBytes,
      readGBs,
      ternaryGBs,
      fraction: ternaryGBs / memcpyGBs,
      readFraction: ternaryGBs / readGBs,
      shape: top ? { out: top.out, in: top.in, batch: top.batch } : null,
    },
    notes,
  };
}
