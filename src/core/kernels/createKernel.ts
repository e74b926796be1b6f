/**
 * The kernel to use here: WebAssembly SIMD when the engine supports it
 * (relaxed SIMD where available), else the plain TypeScript kernel (same API,
 * same results, much slower, one thread).
 *
 * threads: 1 unless asked — a caller that asks for more owns worker threads
 * and should close() the kernel when done (they are unref'd, so a CLI exits
 * anyway, and they stop when the kernel is garbage-collected).
 */
import { availableParallelism } from 'node:os';
import { createTsTernaryKernel } from './tsKernel.js';
import type { MatrixKernel } from './types.js';
import { WasmTernaryKernel, wasmSimdSupported } from './wasmKernel.js';

export interface KernelOptions {
  /** Threads per call, the calling one included (default 1; defaultThreads() = every core). */
  threads?: number;
}

/** Every core of this machine: the default of `--threads`. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

export async function createTernaryKernel(options: KernelOptions = {}): Promise<MatrixKernel> {
  if (!wasmSimdSupported()) return createTsTernaryKernel();
  const k = await WasmTernaryKernel.create({ threads: options.threads ?? 1 });
  k.warmUp();
  return k;
}
