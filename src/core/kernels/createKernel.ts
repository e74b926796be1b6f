/**
 * The ternary kernel to use here: WebAssembly SIMD when the engine supports
 * it, else the plain TypeScript kernel (same API, same results, much slower).
 */
import { createTsTernaryKernel } from './tsKernel.js';
import type { TernaryKernel } from './types.js';
import { WasmTernaryKernel, wasmSimdSupported } from './wasmKernel.js';

export async function createTernaryKernel(): Promise<TernaryKernel> {
  if (!wasmSimdSupported()) return createTsTernaryKernel();
  const k = await WasmTernaryKernel.create();
  k.warmUp();
  return k;
}
