/**
 * The WebAssembly SIMD kernel (source: ternary.wat, bytes committed in
 * generated/, instantiated from memory — no file or network access).
 *
 * Memory: one shared wasm memory holding [control block | matrices … |
 * scratch]. Every matrix is copied in once, when prepared, and stays resident
 * until released (see arena.ts); a call stages only its activations and
 * outputs. With threads > 1, worker threads instantiate the same module on
 * the same memory and take a share of the output rows of every call
 * (workerPool.ts); results do not depend on the thread count — each output
 * is computed by one thread, in the same order.
 */
import { BitnetLabError } from '../errors.js';
import { KERNEL_RELAXED_WASM_BASE64 } from './generated/kernelRelaxedWasm.js';
import { KERNEL_WASM_BASE64 } from './generated/kernelWasm.js';
import { Arena, MAX_MEMORY_PAGES } from './arena.js';
import { BLOCK_BYTES, BLOCK_INPUTS, blocksPerRow, packedBytes, packTernary, paddedRows, ROW_GROUP } from './packing.js';
import { checkGamma, rescale, toQuantized } from './rescale.js';
import { checkFloatMatrix, floatLayout, halfToFloat, type FloatLayout } from './floatLayout.js';
import { CTL, CTL_WORDS, WorkerPool } from './workerPool.js';
import type { Activations, FloatMatrix, FloatWeightType, MatrixKernel, TernaryMatrix } from './types.js';

interface KernelExports {
  run(ctl: number, part: number, slot: number): void;
  start(ctl: number, slot: number, wake: number): void;
  interleave4(x: number, xs: number, blocks: number, dst: number): void;
  read(src: number, n: number): number;
  copy(dst: number, src: number, n: number): void;
}

const OP = { ternary: 1, f32: 2, f16: 3, bf16: 4, read: 5 } as const;
const CTL_ADDRESS = 0;
const HEAP_BASE = 256;
/** Activation bytes one call may stage: bounds the scratch area. */
const STAGED_BYTES = 64 * 1024 * 1024;
/** Below this many 256-weight units of work a call runs on the calling thread alone: waking workers would cost more. */
const MIN_PARALLEL_WORK = 2048;
/**
 * Microseconds a worker spins after its last part before sleeping until the
 * next call: longer than the gaps between a token's matrix products in decode
 * (norms, attention, activation quantization), so a decode keeps its workers
 * awake, and short enough that an idle kernel stops using the cores at once.
 */
const WORKER_SPIN_US = 200;
/**
 * Parts a threaded call is cut into, per thread: threads claim them in turn,
 * so a thread that starts late (woken from the futex, or descheduled) leaves
 * its parts to the others instead of holding up the call.
 */
const PARTS_PER_THREAD = 8;
/**
 * Work (256-weight units) from which a call wakes workers asleep in the futex;
 * a smaller call runs on the threads that are awake (spinning after a recent
 * call) and leaves the sleepers be. 8192 units take ≈ 50 µs on one thread,
 * about what a wake-up costs on an idle machine, so below it waking cannot
 * pay. (On an oversubscribed machine a wake-up costs far more — the woken
 * thread can displace the caller from its core: 2048×2048 at batch 1 after
 * an idle millisecond took 314 µs woken vs 102 µs alone at load 9 on 2
 * cores — but an idle machine is the case to serve: there, waking for that
 * call gave 90 µs vs 94 µs, and hot workers 55 µs.)
 */
const MIN_WAKE_WORK = 8192;
/** Row groups of a tile (ternary.wat $run): parts are whole tiles, so a batch decodes each tile once. */
const TILE_GROUPS = 8;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function kernelWasmBytes(simd: 'relaxed' | 'plain'): Uint8Array<ArrayBuffer> {
  return decodeBase64(simd === 'relaxed' ? KERNEL_RELAXED_WASM_BASE64 : KERNEL_WASM_BASE64);
}

/** False on engines without fixed-width SIMD or shared memory (the kernel then cannot load). */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && typeof SharedArrayBuffer === 'function' && WebAssembly.validate(kernelWasmBytes('plain'));
  } catch {
    return false;
  }
}

/**
 * Whether relaxed SIMD is usable, turning it on where it only sits behind a
 * flag: Node 20's V8 (11.3) has it as --experimental-wasm-relaxed-simd;
 * V8 11.4+ (Node 22, current Electron) ships it on. The flag only widens what
 * the engine accepts.
 */
export async function relaxedSimdAvailable(): Promise<boolean> {
  const bytes = kernelWasmBytes('relaxed');
  if (WebAssembly.validate(bytes)) return true;
  if (typeof process === 'undefined' || !process.versions?.node) return false;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

export interface WasmKernelOptions {
  /** Threads per call, the calling one included (default 1). */
  threads?: number;
  /** 'auto' (default): relaxed SIMD when available, else plain SIMD. */
  simd?: 'auto' | 'relaxed' | 'plain';
  /** Work (in 256-weight units) below which a call stays on one thread; tests set 0 to exercise the split on tiny shapes. */
  minParallelWork?: number;
  /** Work from which a call wakes sleeping workers (MIN_WAKE_WORK); tests set 0 so every call wakes them. */
  minWakeWork?: number;
}

interface Resident {
  at: number;
  bytes: number;
}

interface FloatResident extends Resident {
  layout: FloatLayout;
}

export class WasmTernaryKernel implements MatrixKernel {
  readonly name = 'wasm-simd' as const;
  private readonly ternary = new WeakMap<TernaryMatrix, Resident>();
  private readonly floats = new WeakMap<FloatMatrix, FloatResident>();
  /** Frees the memory of matrices the caller dropped without release(). */
  private readonly collector: FinalizationRegistry<Resident>;
  private readonly arena: Arena;
  private readonly ctl: Int32Array;
  private scratch: Resident = { at: 0, bytes: 0 };
  private closed = false;

  private constructor(
    private readonly k: KernelExports,
    private readonly memory: WebAssembly.Memory,
    private readonly pool: WorkerPool | undefined,
    readonly simd: 'relaxed' | 'plain',
    private readonly minParallelWork: number,
    private readonly minWakeWork: number,
  ) {
    this.arena = new Arena(memory, HEAP_BASE);
    this.ctl = new Int32Array(memory.buffer, CTL_ADDRESS, CTL_WORDS);
    this.collector = new FinalizationRegistry((r) => {
      if (!this.closed) this.arena.release(r.at, r.bytes);
    });
  }

  static async create(options: WasmKernelOptions = {}): Promise<WasmTernaryKernel> {
    if (!wasmSimdSupported()) throw new BitnetLabError('unsupported', 'this JavaScript engine has no WebAssembly SIMD with shared memory');
    const threads = options.threads ?? 1;
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256) {
      throw new BitnetLabError('usage', `kernel: threads must be an integer from 1 to 256, got ${threads}`);
    }
    const want = options.simd ?? 'auto';
    let simd: 'relaxed' | 'plain' = 'plain';
    if (want !== 'plain') {
      if (await relaxedSimdAvailable()) simd = 'relaxed';
      else if (want === 'relaxed') throw new BitnetLabError('unsupported', 'this JavaScript engine has no relaxed WebAssembly SIMD');
    }
    const module = await WebAssembly.compile(kernelWasmBytes(simd));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_MEMORY_PAGES, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { memory, now: () => performance.now() } });
    const pool = threads > 1 ? await WorkerPool.start(module, memory, CTL_ADDRESS, threads - 1, WORKER_SPIN_US) : undefined;
    const kernel = new WasmTernaryKernel(instance.exports as unknown as KernelExports, memory, pool, simd, options.minParallelWork ?? MIN_PARALLEL_WORK, options.minWakeWork ?? MIN_WAKE_WORK);
    // Workers hold the memory, not the kernel: a kernel dropped without close() still stops its workers.
    if (pool) poolCollector.register(kernel, pool, pool);
    return kernel;
  }

  get threads(): number {
    return this.pool?.size ?? 1;
  }

  // ------------------------------------------------------------------ ternary

  prepareTernaryMatrix(codes: Int8Array, out: number, inFeatures: number, gamma: number): TernaryMatrix {
    checkGamma(gamma);
    const bytes = packedBytes(out, inFeatures);
    const r = this.allocResident(bytes, `ternary matrix [${out}, ${inFeatures}]`);
    try {
      const packed = packTernary(codes, out, inFeatures, new Uint8Array(this.memory.buffer, r.at, bytes));
      const m: TernaryMatrix = { out, in: inFeatures, gamma, blocks: blocksPerRow(inFeatures), packed };
      this.track(this.ternary, m, r);
      return m;
    } catch (e) {
      this.arena.release(r.at, r.bytes);
      throw e;
    }
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
    const w = this.residentTernary(m);
    const result = new Int32Array(batch * m.out);
    const inPadded = m.blocks * BLOCK_INPUTS;
    // One cache line of slack per token keeps the four token rows of the
    // 4-token kernel off 4 KiB multiples (same L1 set: 4K aliasing).
    const xs = inPadded + 64;
    const rows = paddedRows(m.out);
    const os = rows * 4;
    // Four tokens or more also stage the tokens in fours interleaved (blocks·256
    // bytes per four) and give each thread room to decode a tile of 8 row
    // groups (blocks·2048 bytes) plus 128 bytes of sums: ternary.wat "ternary, batched".
    const fourBytes = m.blocks * 256;
    const decodeBytes = batch >= 4 ? this.threads * (m.blocks * 2048 + 128) : 0;
    const perToken = xs + os + 4 + fourBytes / 4;
    const chunk = Math.max(1, Math.min(batch, Math.floor(STAGED_BYTES / perToken)));
    const xAt = this.ensureScratch(chunk * perToken + decodeBytes + 64);
    const biasAt = xAt + chunk * xs;
    const outAt = biasAt + chunk * 4;
    // Cache-line aligned (xAt is): the interleaved activations and the decoded tiles are read as v128 streams.
    const x4At = Math.ceil((outAt + chunk * os) / 64) * 64;
    const decodeAt = x4At + Math.floor(chunk / 4) * fourBytes;
    for (let t0 = 0; t0 < batch; t0 += chunk) {
      const n = Math.min(chunk, batch - t0);
      const buf = this.memory.buffer;
      const xv = new Int8Array(buf, xAt, n * xs);
      const bias = new Int32Array(buf, biasAt, n);
      for (let t = 0; t < n; t++) {
        const src = xq.subarray((t0 + t) * m.in, (t0 + t + 1) * m.in);
        xv.set(src, t * xs);
        // The padding inputs meet code 1 (c·x ≠ 0), so they must be zero.
        xv.fill(0, t * xs + m.in, t * xs + inPadded);
        let s = 0;
        for (let j = 0; j < src.length; j++) s += src[j]!;
        bias[t] = -s;
      }
      for (let q = 0; q + 4 <= n; q += 4) this.k.interleave4(xAt + q * xs, xs, m.blocks, x4At + (q / 4) * fourBytes);
      this.call(OP.ternary, w.at, rows / ROW_GROUP, m.blocks, xAt, xs, biasAt, outAt, os, n, 0, m.blocks * BLOCK_BYTES * ROW_GROUP, x4At, decodeAt);
      const out = new Int32Array(buf, outAt, n * rows);
      for (let t = 0; t < n; t++) result.set(out.subarray(t * rows, t * rows + m.out), (t0 + t) * m.out);
    }
    return result;
  }

  // ------------------------------------------------------------------ float

  prepareFloatMatrix(weights: Float32Array | Uint16Array, out: number, inFeatures: number, dtype: FloatWeightType): FloatMatrix {
    checkFloatMatrix(weights, out, inFeatures, dtype);
    const layout = floatLayout(out, inFeatures, dtype);
    const r = this.allocResident(layout.bytes, `${dtype} matrix [${out}, ${inFeatures}]`);
    const buf = this.memory.buffer;
    const dst = dtype === 'f32' ? new Float32Array(buf, r.at, layout.bytes / 4) : new Uint16Array(buf, r.at, layout.bytes / 2);
    dst.fill(0);
    for (let row = 0; row < out; row++) {
      dst.set(weights.subarray(row * inFeatures, (row + 1) * inFeatures), row * layout.rowElems);
    }
    const m: FloatMatrix = { out, in: inFeatures, dtype };
    this.track(this.floats, m, { ...r, layout });
    return m;
  }

  gemvFloat(m: FloatMatrix, x: Float32Array): Float32Array {
    return this.gemmFloat(m, x, 1);
  }

  gemmFloat(m: FloatMatrix, x: Float32Array, batch: number): Float32Array {
    if (x.length !== batch * m.in) throw new BitnetLabError('usage', `activations: ${x.length} values for [${batch}, ${m.in}]`);
    const r = this.floats.get(m);
    if (!r) throw new BitnetLabError('usage', 'float matrix: not prepared by this kernel (or released)');
    const { layout } = r;
    const result = new Float32Array(batch * m.out);
    const xs = layout.rowElems * 4 + 64;
    const os = layout.rows * 4;
    const chunk = Math.max(1, Math.min(batch, Math.floor(STAGED_BYTES / (xs + os))));
    const xAt = this.ensureScratch(chunk * (xs + os));
    const outAt = xAt + chunk * xs;
    const op = m.dtype === 'f32' ? OP.f32 : m.dtype === 'f16' ? OP.f16 : OP.bf16;
    for (let t0 = 0; t0 < batch; t0 += chunk) {
      const n = Math.min(chunk, batch - t0);
      const buf = this.memory.buffer;
      const xv = new Float32Array(buf, xAt, (n * xs) / 4);
      for (let t = 0; t < n; t++) {
        const src = x.subarray((t0 + t) * m.in, (t0 + t + 1) * m.in);
        const at = (t * xs) / 4;
        // Zero weights meet the padding inputs: 0 · NaN would poison the sum.
        xv.fill(0, at + m.in, at + layout.rowElems);
        if (m.dtype === 'f32') xv.set(src, at);
        else stageDeinterleaved(xv, at, src);
      }
      this.call(op, r.at, layout.rows / ROW_GROUP, layout.steps, xAt, xs, 0, outAt, os, n, layout.rowBytes, layout.rowBytes * ROW_GROUP);
      const out = new Float32Array(buf, outAt, n * layout.rows);
      for (let t = 0; t < n; t++) result.set(out.subarray(t * layout.rows, t * layout.rows + m.out), (t0 + t) * m.out);
    }
    return result;
  }

  readFloatRow(m: FloatMatrix, row: number, out: Float32Array): void {
    const r = this.floats.get(m);
    if (!r) throw new BitnetLabError('usage', 'float matrix: not prepared by this kernel (or released)');
    if (!Number.isInteger(row) || row < 0 || row >= m.out) throw new BitnetLabError('usage', `float matrix: row ${row} outside [0, ${m.out})`);
    const at = r.at + row * r.layout.rowBytes;
    const buf = this.memory.buffer;
    if (m.dtype === 'f32') {
      out.set(new Float32Array(buf, at, m.in));
      return;
    }
    const h = new Uint16Array(buf, at, m.in);
    if (m.dtype === 'bf16') {
      const o = new Int32Array(out.buffer, out.byteOffset, m.in);
      for (let j = 0; j < m.in; j++) o[j] = h[j]! << 16;
    } else {
      for (let j = 0; j < m.in; j++) out[j] = halfToFloat(h[j]!);
    }
  }

  // ------------------------------------------------------------------ lifetime

  release(m: TernaryMatrix | FloatMatrix): void {
    const r = 'gamma' in m ? this.ternary.get(m) : this.floats.get(m as FloatMatrix);
    if (!r) return;
    if ('gamma' in m) this.ternary.delete(m);
    else this.floats.delete(m as FloatMatrix);
    this.collector.unregister(r);
    this.arena.release(r.at, r.bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pool) {
      poolCollector.unregister(this.pool);
      this.pool.close();
    }
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
    const f = this.prepareFloatMatrix(new Float32Array(out * inF).fill(0.5), out, inF, 'f32');
    const h = this.prepareFloatMatrix(new Uint16Array(out * inF).fill(0x3c00), out, inF, 'f16');
    const xq = new Int8Array(5 * inF).fill(3);
    const x = new Float32Array(inF).fill(1);
    for (let i = 0; i < 40; i++) {
      this.accumulate(m, xq, 5);
      this.gemvFloat(f, x);
      this.gemvFloat(h, x);
    }
    this.release(m);
    this.release(f);
    this.release(h);
  }

  // ------------------------------------------------------------------ probes

  /** Milliseconds to read `bytes` (one run) with v128 loads, split over the kernel's threads. */
  timeRead(bytes: number): number {
    return this.withProbe(bytes, (at, n) => {
      const t0 = performance.now();
      this.call(OP.read, at, n / 64, 0, 0, 0, 0, this.ensureScratch(4 * this.threads), 0, 1, 0, 0);
      return performance.now() - t0;
    });
  }

  /** Milliseconds to copy `bytes` inside wasm memory with v128 loads/stores (one run, one thread). */
  timeCopy(bytes: number): number {
    return this.withProbe(2 * bytes, (at, n) => {
      const t0 = performance.now();
      this.k.copy(at + n / 2, at, n / 2);
      return performance.now() - t0;
    });
  }

  /** Milliseconds to read the resident bytes of these matrices, one after another, with the kernel's threads. */
  timeReadResident(ms: TernaryMatrix[]): number {
    const regions = ms.map((m) => this.residentTernary(m));
    const outAt = this.ensureScratch(4 * this.threads);
    const t0 = performance.now();
    // Resident sizes are multiples of 64 (rows in fours × 16-byte blocks), as the sweep needs.
    for (const r of regions) this.call(OP.read, r.at, r.bytes / 64, 0, 0, 0, 0, outAt, 0, 1, 0, 0);
    return performance.now() - t0;
  }

  // ------------------------------------------------------------------ internals

  /**
   * Run one call. Never-written pages all map to the zero page and would read
   * at cache speed, so probes fill their buffer once before timing.
   */
  private withProbe(bytes: number, fn: (at: number, n: number) => number): number {
    const n = Math.ceil(bytes / 128) * 128;
    const at = this.arena.alloc(n, 'bandwidth probe');
    try {
      new Uint8Array(this.memory.buffer, at, n).fill(0x5a);
      return fn(at, n);
    } finally {
      this.arena.release(at, n);
    }
  }

  private call(op: number, w: number, groups: number, blocks: number, x: number, xs: number, bias: number,
    out: number, os: number, tokens: number, rowBytes: number, groupBytes: number, x4 = 0, decode = 0): void {
    if (this.closed) throw new BitnetLabError('usage', 'kernel: used after close()');
    const c = this.ctl;
    c[CTL.op] = op;
    c[CTL.w] = w;
    c[CTL.groups] = groups;
    c[CTL.blocks] = blocks;
    c[CTL.x] = x;
    c[CTL.xs] = xs;
    c[CTL.bias] = bias;
    c[CTL.out] = out;
    c[CTL.os] = os;
    c[CTL.tokens] = tokens;
    c[CTL.rowBytes] = rowBytes;
    c[CTL.groupBytes] = groupBytes;
    c[CTL.x4] = x4;
    c[CTL.decode] = decode;
    const work = op === OP.read ? groups : groups * blocks * tokens;
    if (!this.pool || work < this.minParallelWork) {
      c[CTL.parts] = 1;
      c[CTL.groupsPerPart] = groups;
      this.k.run(CTL_ADDRESS, 0, 0);
      return;
    }
    let perPart = Math.max(1, Math.ceil(groups / (this.pool.size * PARTS_PER_THREAD)));
    if (op !== OP.read) perPart = Math.ceil(perPart / TILE_GROUPS) * TILE_GROUPS;
    c[CTL.parts] = Math.ceil(groups / perPart);
    c[CTL.groupsPerPart] = perPart;
    // start() publishes the words above with sequentially consistent stores (ternary.wat "start").
    const wake = work >= this.minWakeWork ? 1 : 0;
    this.pool.dispatch(() => this.k.start(CTL_ADDRESS, 0, wake));
  }

  private allocResident(bytes: number, what: string): Resident {
    if (this.closed) throw new BitnetLabError('usage', 'kernel: used after close()');
    return { at: this.arena.alloc(bytes, what), bytes };
  }

  private track<M extends object, R extends Resident>(map: WeakMap<M, R>, m: M, r: R): void {
    map.set(m, r);
    this.collector.register(m, r, r);
  }

  /** The resident copy of m; a matrix packed elsewhere (TypeScript kernel, by hand) is copied in on first use. */
  private residentTernary(m: TernaryMatrix): Resident {
    const have = this.ternary.get(m);
    if (have) return have;
    if (m.blocks !== blocksPerRow(m.in) || m.packed.length !== packedBytes(m.out, m.in)) {
      throw new BitnetLabError('layout', `ternary matrix [${m.out}, ${m.in}]: ${m.packed.length} packed bytes, ${m.blocks} blocks do not fit the layout`);
    }
    const r = this.allocResident(m.packed.length, `ternary matrix [${m.out}, ${m.in}]`);
    new Uint8Array(this.memory.buffer, r.at, r.bytes).set(m.packed);
    this.track(this.ternary, m, r);
    return r;
  }

  /** Address of a scratch area of at least `bytes` (reused across calls, grown on demand). */
  private ensureScratch(bytes: number): number {
    if (this.scratch.bytes >= bytes) return this.scratch.at;
    if (this.scratch.bytes > 0) this.arena.release(this.scratch.at, this.scratch.bytes);
    const size = Math.max(bytes, 2 * this.scratch.bytes);
    this.scratch = { at: this.arena.alloc(size, 'kernel scratch'), bytes: size };
    return this.scratch.at;
  }
}

/**
 * The 16-bit kernels see their weights as 32-bit lanes, even halves first
 * (ternary.wat fgemvF16): per 8 inputs, x0 x2 x4 x6 then x1 x3 x5 x7.
 */
function stageDeinterleaved(dst: Float32Array, at: number, src: Float32Array): void {
  for (let j = 0; j < src.length; j++) dst[at + (j & ~7) + ((j & 1) << 2) + ((j & 7) >> 1)] = src[j]!;
}

const poolCollector = new FinalizationRegistry<WorkerPool>((pool) => pool.close());

export function createWasmTernaryKernel(options: WasmKernelOptions = {}): Promise<WasmTernaryKernel> {
  return WasmTernaryKernel.create(options);
}
