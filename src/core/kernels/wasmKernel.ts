/**
 * The WebAssembly SIMD ternary kernel (source: ternary.wat, bytes committed in
 * generated/ternaryWasm.ts, instantiated from memory — no file or network access).
 *
 * Memory: one wasm memory, grown on demand to fit the largest layer seen.
 * It holds [packed weights of the resident matrix | int8 activations | int32 out].
 * A matrix is copied in when first used and stays resident until another
 * matrix is used, so repeated calls on one layer pay no copy.
 */
import { BitnetLabError } from '../errors.js';
import { TERNARY_WASM_BASE64 } from './generated/ternaryWasm.js';
import { BLOCK_INPUTS, blocksPerRow, packTernary } from './packing.js';
import { checkGamma, rescale, toQuantized } from './rescale.js';
import type { Activations, TernaryKernel, TernaryMatrix } from './types.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  gemv(w: number, rows: number, blocks: number, x: number, out: number): void;
  gemm4(w: number, rows: number, blocks: number, x: number, stride: number, out: number): void;
  copy(dst: number, src: number, n: number): void;
  read(src: number, n: number): number;
}

const PAGE = 65536;
/** wasm32 addresses are 32-bit; stay below 4 GiB with a margin. */
const MAX_MEMORY_BYTES = 4 * 1024 ** 3 - PAGE;
/** Tokens per kernel call, and the activation bytes one call may stage: bound the buffers. */
const TOKEN_CHUNK = 64;
const STAGED_ACTIVATION_BYTES = 64 * 1024 * 1024;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function ternaryWasmBytes(): Uint8Array<ArrayBuffer> {
  return decodeBase64(TERNARY_WASM_BASE64);
}

/** False on engines without fixed-width SIMD (the kernel then cannot load). */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(ternaryWasmBytes());
  } catch {
    return false;
  }
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

export class WasmTernaryKernel implements TernaryKernel {
  readonly name = 'wasm-simd' as const;
  private resident: TernaryMatrix | undefined;

  private constructor(private readonly k: KernelExports) {}

  static async create(): Promise<WasmTernaryKernel> {
    if (!wasmSimdSupported()) throw new BitnetLabError('unsupported', 'this JavaScript engine has no WebAssembly SIMD');
    const module = await WebAssembly.compile(ternaryWasmBytes());
    const instance = await WebAssembly.instantiate(module);
    return new WasmTernaryKernel(instance.exports as unknown as KernelExports);
  }

  prepareTernaryMatrix(codes: Int8Array, out: number, inFeatures: number, gamma: number): TernaryMatrix {
    checkGamma(gamma);
    return { out, in: inFeatures, gamma, blocks: blocksPerRow(inFeatures), packed: packTernary(codes, out, inFeatures) };
  }

  gemv(m: TernaryMatrix, x: Activations): Float32Array {
    return this.gemm(m, x, 1);
  }

  gemm(m: TernaryMatrix, x: Activations, batch: number): Float32Array {
    const a = toQuantized(m, x, batch);
    return rescale(m, this.accumulate(m, a.q, batch), a.scales);
  }

  accumulate(m: TernaryMatrix, xq: Int8Array, batch: number): Int32Array {
    if (xq.length !== batch * m.in) {
      throw new BitnetLabError('usage', `activations: ${xq.length} values for [${batch}, ${m.in}]`);
    }
    const result = new Int32Array(batch * m.out);
    // One cache line of slack per token keeps the four token rows of gemm4
    // off 4 KiB multiples (same L1 set: 4K aliasing made batch 8 slower than 8 GEMVs).
    const stride = m.blocks * BLOCK_INPUTS + 64;
    let chunk = Math.max(1, Math.min(batch, TOKEN_CHUNK, Math.floor(STAGED_ACTIVATION_BYTES / stride)));
    if (chunk > 4) chunk -= chunk % 4;
    const xAt = align(m.packed.length, 64);
    const outAt = align(xAt + chunk * stride, 64);
    this.ensureMemory(outAt + chunk * m.out * 4);
    this.makeResident(m);
    const mem = this.k.memory.buffer;
    const xView = new Int8Array(mem, xAt, chunk * stride);
    for (let t0 = 0; t0 < batch; t0 += chunk) {
      const n = Math.min(chunk, batch - t0);
      // Padding columns need no clearing: their weights have the nonzero bit
      // clear, so the kernel masks whatever bytes sit there.
      for (let t = 0; t < n; t++) xView.set(xq.subarray((t0 + t) * m.in, (t0 + t + 1) * m.in), t * stride);
      let t = 0;
      for (; t + 4 <= n; t += 4) this.k.gemm4(0, m.out, m.blocks, xAt + t * stride, stride, outAt + t * m.out * 4);
      for (; t < n; t++) this.k.gemv(0, m.out, m.blocks, xAt + t * stride, outAt + t * m.out * 4);
      result.set(new Int32Array(mem, outAt, n * m.out), t0 * m.out);
    }
    return result;
  }

  /**
   * V8 first runs wasm through its baseline compiler and swaps in optimized
   * code only after a function has run a while; a benchmark's first shapes
   * would otherwise time baseline code. A few dozen small calls of each entry
   * point trigger the tier-up before anything is timed.
   */
  warmUp(): void {
    const out = 64;
    const inF = 1024;
    const codes = new Int8Array(out * inF);
    for (let i = 0; i < codes.length; i++) codes[i] = (i % 3) - 1;
    const m = this.prepareTernaryMatrix(codes, out, inF, 1);
    const xq = new Int8Array(5 * inF).fill(3);
    for (let i = 0; i < 40; i++) this.accumulate(m, xq, 5);
  }

  /**
   * Milliseconds to copy `bytes` inside wasm memory with v128 loads/stores
   * (one run; the caller takes medians). Evicts the resident matrix.
   */
  timeCopy(bytes: number): number {
    const n = align(bytes, 64);
    this.touch(2 * n);
    const t0 = performance.now();
    this.k.copy(n, 0, n);
    return performance.now() - t0;
  }

  /** Milliseconds to read `bytes` of wasm memory with v128 loads (one run). */
  timeRead(bytes: number): number {
    const n = align(bytes, 64);
    this.touch(n);
    const t0 = performance.now();
    this.k.read(0, n);
    return performance.now() - t0;
  }

  /**
   * Grow to `bytes` and write nonzero data there once: never-written pages all
   * map to the kernel's shared zero page, which reads at cache speed.
   */
  private touch(bytes: number): void {
    this.ensureMemory(bytes);
    const view = new Uint8Array(this.k.memory.buffer, 0, bytes);
    if (view[bytes - 1] !== 0x5a) view.fill(0x5a);
    this.resident = undefined;
  }

  private makeResident(m: TernaryMatrix): void {
    if (this.resident === m) return;
    new Uint8Array(this.k.memory.buffer, 0, m.packed.length).set(m.packed);
    this.resident = m;
  }

  private ensureMemory(bytes: number): void {
    if (bytes > MAX_MEMORY_BYTES) {
      throw new BitnetLabError('limit', `ternary kernel needs ${bytes} bytes of wasm memory (limit ${MAX_MEMORY_BYTES})`);
    }
    const have = this.k.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.k.memory.grow(Math.ceil((bytes - have) / PAGE));
  }
}

export function createWasmTernaryKernel(): Promise<WasmTernaryKernel> {
  return WasmTernaryKernel.create();
}
