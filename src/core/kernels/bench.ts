/**
 * Kernel benchmark: the ternary wasm kernel and our float32 wasm GEMV against
 * float32 tfjs matMul and PyTorch float32 F.linear (a child process of the
 * same run, same thread count, naming its BLAS), on the same shapes, samples
 * taken round-robin so machine load hits every side alike; medians after
 * warm-up. Also a cache-cold pass over ≥ 512 MiB of packed weights against a
 * read-only sweep over the same bytes (the memory-bandwidth bound).
 */
import { readFileSync } from 'node:fs';
import { initBackend, type BackendPreference } from '../backend.js';
import { BitnetLabError, throwIfAborted } from '../errors.js';
import type { RunOptions } from '../progress.js';
import { describeMachine } from '../analysis/machine.js';
import { quantizeActivations } from './activations.js';
import { dequantizedInOut, prepareFloatLayer } from './floatBaseline.js';
import { createWasmTernaryKernel, type WasmTernaryKernel } from './wasmKernel.js';
import { median } from './stats.js';
import { TorchBaseline, type TorchInfo, type TorchPath } from './torchBaseline.js';
import { gaussianArray, mulberry32, randomTernaryCodes } from '../random.js';
import type { TernaryMatrix } from './types.js';

export interface KernelShape {
  out: number;
  in: number;
  batch: number;
}

export interface KernelShapeResult extends KernelShape {
  /** tfjs float32 matMul on the active backend. */
  floatMs: number;
  ternaryMs: number;
  /** floatMs / ternaryMs. */
  speedup: number;
  /** Packed weight bytes read per second by the ternary kernel (GB/s, 1e9). */
  ternaryGBs: number;
  /** Float weight bytes read per second by the tfjs baseline (GB/s). */
  floatGBs: number;
  /** Our float32 wasm kernel (the runtime's fp mode) on W[out, in]. */
  wasmF32Ms: number;
  /** PyTorch float32 Linear through the BLAS torch links, or null without PyTorch. */
  torchBlasMs: number | null;
  /** PyTorch float32 Linear through oneDNN (torch.utils.mkldnn), or null where unavailable. */
  torchOneDnnMs: number | null;
  /** The faster of the two PyTorch paths: the baseline the speed-up is against. */
  torchMs: number | null;
  torchPath: TorchPath | null;
  /** torchMs / ternaryMs. */
  torchSpeedup: number | null;
  /**
   * CPU time per call (every thread of the process, ms): ours, and PyTorch's
   * on the path torchPath names. Steadier than wall time on a loaded machine;
   * with one thread, the time the call really ran.
   */
  ternaryCpuMs: number;
  torchCpuMs: number | null;
  /** torchCpuMs / ternaryCpuMs. */
  torchCpuSpeedup: number | null;
}

export interface ColdResult {
  /** Packed bytes swept per pass (all matrices). */
  bytes: number;
  matrices: number;
  shape: { out: number; in: number };
  /** Packed bytes per second of batch-1 GEMVs over every matrix in turn. */
  ternaryGBs: number;
  /** Bytes per second of a v128 read-only sweep over the same matrices' bytes, same threads. */
  readGBs: number;
  /** ternaryGBs / readGBs. */
  fraction: number;
  /** The same two rates per CPU-second (every thread of the process), and their ratio: steadier on a loaded machine. */
  cpuTernaryGBs: number;
  cpuReadGBs: number;
  cpuFraction: number;
}

export interface KernelBenchResult {
  /** tfjs backend that ran the float baseline. */
  backend: string;
  cpu: string;
  kernel: string;
  /** 'relaxed' or 'plain' SIMD. */
  simd: string;
  threads: number;
  repeats: number;
  warmup: number;
  shapes: KernelShapeResult[];
  bandwidth: {
    /** Bytes copied per second by a wasm v128 copy of a buffer much larger than L2 (each byte counted once, one thread). */
    memcpyGBs: number;
    memcpyBytes: number;
    /** Bytes read per second by a v128 read-only pass over the same buffer (kernel threads). */
    readGBs: number;
    /** ternaryGBs of the largest batch-1 shape. */
    ternaryGBs: number;
    /** ternaryGBs / memcpyGBs. */
    fraction: number;
    /** ternaryGBs / readGBs. */
    readFraction: number;
    shape: KernelShape | null;
  };
  /** The cache-cold pass, or null when skipped (coldBytes 0). */
  cold: ColdResult | null;
  /** Extra microseconds a call pays to wake the workers and wait for them (threads > 1), else null. */
  dispatchUs: number | null;
  /** PyTorch's version, threads and BLAS, or why it is missing. */
  torch: TorchInfo | { reason: string };
  notes: string[];
}

export interface KernelBenchOptions extends RunOptions {
  repeats?: number;
  warmup?: number;
  backend?: BackendPreference;
  seed?: number;
  /** Threads for our kernels and PyTorch (default 1). */
  threads?: number;
  /** Bytes for the memcpy probe (default: twice the last-level cache, 256 MiB to 1 GiB). */
  memcpyBytes?: number;
  /** Packed bytes for the cache-cold pass (default 512 MiB; 0 skips it). */
  coldBytes?: number;
  /** The PyTorch baseline: interpreter and bench/kernels_torch.py; omitted → no PyTorch column. */
  torch?: { python: string; script: string };
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

/** The shapes: 4096² and the BitNet b1.58 2B4T FFN shapes, each at batch 1, 8, 32. */
export const DEFAULT_KERNEL_SHAPES: KernelShape[] = [4096, 6912, 2560].flatMap((out) =>
  [1, 8, 32].map((batch) => ({ out, in: out === 4096 ? 4096 : out === 6912 ? 2560 : 6912, batch })));

export const DEFAULT_COLD_BYTES = 512 * 2 ** 20;

interface Sample {
  /** Wall milliseconds per call. */
  ms: number;
  /** CPU milliseconds per call, every thread of the process. */
  cpuMs: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

/** Times one sample of fn: `inner` calls, wall and CPU milliseconds per call. */
function sampler(fn: () => unknown): () => Sample {
  let inner = 0;
  return () => {
    if (inner === 0) {
      const t0 = performance.now();
      fn();
      inner = Math.max(1, Math.ceil(1 / Math.max(performance.now() - t0, 0.001)));
    }
    const c0 = cpuNow();
    const t0 = performance.now();
    for (let k = 0; k < inner; k++) fn();
    const ms = (performance.now() - t0) / inner;
    return { ms, cpuMs: (cpuNow() - c0) / inner };
  };
}

/** Medians of each side's samples (wall and CPU apart), taken round-robin (a, b, c, a, b, c …) after `warmup` rounds. */
async function roundRobin(sides: Array<() => Sample | Promise<Sample>>, repeats: number, warmup: number): Promise<Sample[]> {
  const samples = sides.map(() => [] as Sample[]);
  for (let r = 0; r < warmup + repeats; r++) {
    for (let i = 0; i < sides.length; i++) {
      const sample = await sides[i]!();
      if (r >= warmup) samples[i]!.push(sample);
    }
  }
  return samples.map((xs) => ({ ms: median(xs.map((x) => x.ms)), cpuMs: median(xs.map((x) => x.cpuMs)) }));
}

export async function benchKernels(shapes: KernelShape[] = DEFAULT_KERNEL_SHAPES, options: KernelBenchOptions = {}): Promise<KernelBenchResult> {
  const repeats = options.repeats ?? 15;
  const warmup = options.warmup ?? 3;
  const threads = options.threads ?? 1;
  for (const s of shapes) {
    // The float baseline holds out·in float32 values in the tfjs-wasm heap (unreliable past ≈3.6 GiB).
    if (s.out * s.in * 4 > 2 ** 30 || s.batch * s.in * 4 > 2 ** 28) {
      throw new BitnetLabError('limit', `kernel benchmark: shape ${s.out}×${s.in} at batch ${s.batch} is larger than the float baseline can hold (1 GiB of weights)`);
    }
  }
  const { tf, name: backend, notes: backendNotes } = await initBackend(options.backend ?? 'auto');
  const kernel = await createWasmTernaryKernel({ threads });
  const torch = options.torch ? await TorchBaseline.start(options.torch.python, options.torch.script, threads) : { reason: 'not requested' };
  try {
    kernel.warmUp();
    const next = mulberry32(options.seed ?? 1);
    const notes = [...backendNotes.map((n) => `backend fallback: ${n}`)];
    if (backend === 'wasm') notes.push('tfjs-wasm runs single-threaded in Node (tfjs hard-codes it)');
    if (!(torch instanceof TorchBaseline)) notes.push(`no PyTorch baseline: ${torch.reason}`);
    else if (torch.info.openblas) {
      const o = torch.info.openblas;
      notes.push(`PyTorch's BLAS is ${o.config} (core kernel ${o.core}), ${o.threads} thread${o.threads > 1 ? 's' : ''}: set to ours, as Debian's torch (BLAS_INFO=generic) does not pass torch.set_num_threads on to OpenBLAS`);
    } else if (torch.info.blas.some((p) => /\/blas\/libblas\.so/.test(p)) && !torch.info.blas.some((p) => /openblas|mkl_|blis/i.test(p))) {
      // Debian's libblas.so.3 alternative without OpenBLAS installed is the netlib reference BLAS.
      notes.push('PyTorch\'s BLAS path runs Debian\'s reference (netlib) libblas here, not OpenBLAS: unoptimised loops; its oneDNN path is PyTorch\'s strong float32 kernel on this machine');
    }

    const results: KernelShapeResult[] = [];
    for (let i = 0; i < shapes.length; i++) {
      throwIfAborted(options.signal);
      const s = shapes[i]!;
      options.onProgress?.({ label: `${s.out}×${s.in} batch ${s.batch}`, done: i, total: shapes.length + 2, unit: 'runs' });
      results.push(await benchShape(s, tf, kernel, torch instanceof TorchBaseline ? torch : undefined, next, repeats, warmup));
    }

    options.onProgress?.({ label: 'bandwidth', done: shapes.length, total: shapes.length + 2, unit: 'runs' });
    const llc = lastLevelCacheBytes();
    // A probe buffer that fits the last-level cache measures the cache, not DRAM.
    const memcpyBytes = options.memcpyBytes ?? Math.min(2 ** 30, Math.max(2 ** 28, 2 * (llc ?? 0)));
    const probes = Math.max(5, Math.min(repeats, 9));
    notes.push('CPU ms / per-CPU-second figures: process CPU time (user + system, every thread) per call; on a loaded machine wall time also counts the time the process waited for a core');
    kernel.timeCopy(memcpyBytes);
    const memcpyGBs = memcpyBytes / (median(Array.from({ length: probes }, () => kernel.timeCopy(memcpyBytes))) * 1e6);
    const readGBs = memcpyBytes / (median(Array.from({ length: probes }, () => kernel.timeRead(memcpyBytes))) * 1e6);

    throwIfAborted(options.signal);
    options.onProgress?.({ label: 'cache-cold pass', done: shapes.length + 1, total: shapes.length + 2, unit: 'runs' });
    const coldBytes = options.coldBytes ?? DEFAULT_COLD_BYTES;
    const cold = coldBytes > 0 ? benchCold(kernel, coldBytes, next, probes) : null;
    const dispatchUs = threads > 1 ? await measureDispatch(kernel, threads) : null;

    // The headline layer when present, else the largest GEMV.
    const gemvs = results.filter((r) => r.batch === 1).sort((a, b) => b.out * b.in - a.out * a.in);
    const top = gemvs.find((r) => r.out === 4096 && r.in === 4096) ?? gemvs[0];
    const ternaryGBs = top?.ternaryGBs ?? NaN;
    if (llc !== undefined) notes.push(`last-level cache ${(llc / 2 ** 20).toFixed(0)} MiB; bandwidth probe buffer ${(memcpyBytes / 2 ** 20).toFixed(0)} MiB`);
    if (top && (llc === undefined || top.out * top.in / 4 < llc)) {
      notes.push('the packed weights of one GEMV fit in cache and are read from there on repeated runs; the cache-cold pass is the bandwidth-bound figure');
    }
    if (cold && llc !== undefined && cold.bytes < 2 * llc) {
      notes.push(`the cache-cold pass sweeps ${(cold.bytes / 2 ** 20).toFixed(0)} MiB, under twice the reported last-level cache: part of it may still be served from cache`);
    }
    return {
      backend,
      cpu: describeMachine(),
      kernel: kernel.name,
      simd: kernel.simd,
      threads: kernel.threads,
      repeats,
      warmup,
      shapes: results,
      bandwidth: {
        memcpyGBs, memcpyBytes, readGBs, ternaryGBs,
        fraction: ternaryGBs / memcpyGBs,
        readFraction: ternaryGBs / readGBs,
        shape: top ? { out: top.out, in: top.in, batch: top.batch } : null,
      },
      cold,
      dispatchUs,
      torch: torch instanceof TorchBaseline ? torch.info : torch,
      notes,
    };
  } finally {
    if (torch instanceof TorchBaseline) torch.close();
    kernel.close();
  }
}

async function benchShape(s: KernelShape, tf: Parameters<typeof prepareFloatLayer>[0], kernel: WasmTernaryKernel,
  torch: TorchBaseline | undefined, next: () => number, repeats: number, warmup: number): Promise<KernelShapeResult> {
  // About a third zeros, as absmean gives on Gaussian weights (§1.6).
  const codes = randomTernaryCodes(s.out * s.in, next, 0.31);
  const gamma = 0.02;
  const x = gaussianArray(s.batch * s.in, next);
  const m = kernel.prepareTernaryMatrix(codes, s.out, s.in, gamma);
  const wf = new Float32Array(s.out * s.in);
  for (let i = 0; i < wf.length; i++) wf[i] = codes[i]! * gamma;
  const f = kernel.prepareFloatMatrix(wf, s.out, s.in, 'f32');
  const layer = prepareFloatLayer(tf, dequantizedInOut(codes, s.out, s.in, gamma), s.out, s.in, x, s.batch);
  await torch?.prepare(s);
  try {
    const sides: Array<() => Sample | Promise<Sample>> = [
      sampler(() => layer.run()),
      sampler(() => kernel.gemm(m, x, s.batch)),
      sampler(() => kernel.gemmFloat(f, x, s.batch)),
    ];
    if (torch) sides.push(() => torch.time('blas', 1, 0));
    if (torch?.info.onednn) sides.push(() => torch.time('onednn', 1, 0));
    const [float, ternary, wasmF32, blas, oneDnn] = (await roundRobin(sides, repeats, warmup)) as [Sample, Sample, Sample, Sample?, Sample?];
    const torchPath: TorchPath | null = blas === undefined ? null : oneDnn !== undefined && oneDnn.ms < blas.ms ? 'onednn' : 'blas';
    const best = torchPath === null ? undefined : torchPath === 'onednn' ? oneDnn : blas;
    return {
      ...s,
      floatMs: float.ms,
      ternaryMs: ternary.ms,
      speedup: float.ms / ternary.ms,
      ternaryGBs: m.packed.length / (ternary.ms * 1e6),
      floatGBs: (s.out * s.in * 4) / (float.ms * 1e6),
      wasmF32Ms: wasmF32.ms,
      torchBlasMs: blas?.ms ?? null,
      torchOneDnnMs: oneDnn?.ms ?? null,
      torchMs: best?.ms ?? null,
      torchPath,
      torchSpeedup: best !== undefined ? best.ms / ternary.ms : null,
      ternaryCpuMs: ternary.cpuMs,
      torchCpuMs: best?.cpuMs ?? null,
      torchCpuSpeedup: best !== undefined ? best.cpuMs / ternary.cpuMs : null,
    };
  } finally {
    layer.dispose();
    kernel.release(m);
    kernel.release(f);
  }
}

/**
 * Batch-1 GEMVs over 4096×4096 matrices totalling `bytes` packed, one after
 * another (as a model's layers on each token), alternated with read sweeps
 * over the same matrices' bytes.
 */
function benchCold(kernel: WasmTernaryKernel, bytes: number, next: () => number, probes: number): ColdResult {
  const shape = { out: 4096, in: 4096 };
  const base = kernel.prepareTernaryMatrix(randomTernaryCodes(shape.out * shape.in, next, 0.31), shape.out, shape.in, 0.02);
  const count = Math.max(1, Math.ceil(bytes / base.packed.length));
  // Distinct matrix objects sharing one packing: each is copied into its own resident region on first use.
  const mats: TernaryMatrix[] = [base, ...Array.from({ length: count - 1 }, () => ({ ...base }))];
  const x = quantizeActivations(gaussianArray(shape.in, next), 1, shape.in);
  try {
    for (const m of mats) kernel.gemv(m, x);
    const gemvMs: number[] = [];
    const readMs: number[] = [];
    const gemvCpu: number[] = [];
    const readCpu: number[] = [];
    for (let p = 0; p < probes; p++) {
      let c0 = cpuNow();
      const t0 = performance.now();
      for (const m of mats) kernel.gemv(m, x);
      gemvMs.push(performance.now() - t0);
      gemvCpu.push(cpuNow() - c0);
      c0 = cpuNow();
      readMs.push(kernel.timeReadResident(mats));
      readCpu.push(cpuNow() - c0);
    }
    const total = mats.reduce((a, m) => a + m.packed.length, 0);
    const ternaryGBs = total / (median(gemvMs) * 1e6);
    const readGBs = total / (median(readMs) * 1e6);
    const cpuTernaryGBs = total / (median(gemvCpu) * 1e6);
    const cpuReadGBs = total / (median(readCpu) * 1e6);
    return {
      bytes: total, matrices: mats.length, shape, ternaryGBs, readGBs, fraction: ternaryGBs / readGBs,
      cpuTernaryGBs, cpuReadGBs, cpuFraction: cpuTernaryGBs / cpuReadGBs,
    };
  } finally {
    for (const m of mats) kernel.release(m);
  }
}

/**
 * Per-call cost of a threaded call: a tiny GEMV cut into parts for every
 * thread (256 rows: 8 parts of 8 row groups), workers woken whenever asleep,
 * vs the same on the calling thread alone.
 */
async function measureDispatch(kernel: WasmTernaryKernel, threads: number): Promise<number> {
  const split = await createWasmTernaryKernel({ threads, minParallelWork: 0, minWakeWork: 0 });
  try {
    const codes = randomTernaryCodes(256 * 64, mulberry32(3), 0.31);
    const x = quantizeActivations(new Float32Array(64).fill(0.5), 1, 64);
    const a = kernel.prepareTernaryMatrix(codes, 256, 64, 1);
    const b = split.prepareTernaryMatrix(codes, 256, 64, 1);
    const [alone, shared] = await roundRobin([sampler(() => kernel.gemv(a, x)), sampler(() => split.gemv(b, x))], 15, 3);
    kernel.release(a);
    return (shared!.ms - alone!.ms) * 1e3;
  } finally {
    split.close();
  }
}
