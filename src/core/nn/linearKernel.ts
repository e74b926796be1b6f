/**
 * The element-wise loops of fusedLinear.ts and adamw.ts, twice: in
 * WebAssembly SIMD (linear.wat), for rows whose lengths are multiples of 4,
 * and in plain JS for any shape — the JS loops are also the reference the
 * tests hold the kernel to, value for value.
 *
 * Both come behind one interface, a `Workspace`: arrays from alloc() and the
 * kernels that fill them. The workspace hands out views of the kernel's
 * memory, reserved up front for one op (so no grow() detaches a view
 * mid-op) and reused by the next op: nothing is allocated per step, and a
 * view passed to tf.tensor() is copied into tfjs' heap right away. Views
 * are valid until the next workspace() call. Each kernel call whose row
 * length or count is not a multiple of 4 runs the JS loop on the same views.
 *
 *   rmsNorm:     n = f32(x · r · g), r = 1/√(mean(x²) + ε) per row, float64 inside
 *   rmsNormGrad: dx = r·(dn⊙g − x̄·mean(dn⊙g⊙x̄)), dg = Σ_rows dn⊙x̄ (x̄ = x·r recomputed from x)
 *   actQuant:    clamp(round½even(f32(x·sx)), −128, 127) / sx, sx = 127 / max(max|x|, 1e-5) per row, NaN → 0
 *                (quantizeActivationsPerToken + dequantizeActivations, src/core/quant/activation.ts)
 *   transpose:   [rows, cols] → [cols, rows]
 *   adam:        one AdamW update in float32 (adamw.ts)
 *   ternary:     s·(w > t) − s·(w < −t), 0 for NaN / ±Inf, into rows of a wider matrix; with t the
 *                float32 floor of the float64 threshold the decisions are quantizeAbsmean's
 *                (src/core/quant/tfjsQuant.ts explains why)
 */
import { ACTIVATION_EPS } from '../quant/activation.js';
import { LINEAR_WASM_BASE64 } from './generated/linearWasm.js';

export interface AdamStep {
  beta1: number; beta2: number; bc1: number; bc2: number; eps: number; lr: number; decay: number;
}

export interface Workspace {
  /** Uninitialised (a reused view holds the previous op's values): callers write all of it. */
  alloc(n: number): Float32Array;
  /** Zeroed. */
  alloc64(n: number): Float64Array;
  rmsNorm(x: Float32Array, g: Float32Array, n: Float32Array, r: Float64Array, rows: number, d: number, eps: number): void;
  /** `dg` accumulates (starts as zeros from alloc64). */
  rmsNormGrad(x: Float32Array, g: Float32Array, dn: Float32Array, dx: Float32Array, dg: Float64Array, rows: number, d: number, eps: number): void;
  actQuant(x: Float32Array, out: Float32Array, rows: number, d: number): void;
  transpose(a: Float32Array, out: Float32Array, rows: number, cols: number): void;
  adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamStep): void;
  /** w [rows, cols] → out[r · ostride + j]; `t` and `s` float32 values. */
  ternary(w: Float32Array, out: Float32Array, rows: number, cols: number, ostride: number, t: number, s: number): void;
}

/** A workspace for arrays totalling at most `bytes` (plus 16 per array for alignment). */
export function workspace(bytes: number): Workspace {
  return wasmWorkspace(bytes);
}

// ----------------------------------------------------------------------------- JS (any shape; the reference)

const f32 = Math.fround;
/** 1.5 · 2^52: v + M − M rounds a float64 |v| < 2^51 to an integer, ties to even (IEEE round-to-nearest). */
const ROUND_MAGIC = 6755399441055744;

export function jsWorkspace(): Workspace {
  return {
    alloc: (n) => new Float32Array(n),
    alloc64: (n) => new Float64Array(n),
    rmsNorm(x, g, n, r, rows, d, eps) {
      for (let row = 0; row < rows; row++) {
        const o = row * d;
        const inv = rowInv(x, o, d, eps);
        r[row] = inv;
        for (let j = 0; j < d; j++) n[o + j] = x[o + j]! * inv * g[j]!;
      }
    },
    rmsNormGrad(x, g, dn, dx, dg, rows, d, eps) {
      for (let row = 0; row < rows; row++) {
        const o = row * d;
        const inv = rowInv(x, o, d, eps);
        const t = (j: number): number => dn[o + j]! * g[j]! * (x[o + j]! * inv);
        // Partial sums paired as the kernel's float64 lanes pair them (j ≡ 0, 2 and j ≡ 1, 3 mod 4).
        let d0 = 0, d1 = 0, dt = 0;
        let j = 0;
        for (; j + 4 <= d; j += 4) {
          d0 += t(j) + t(j + 2);
          d1 += t(j + 1) + t(j + 3);
        }
        for (; j < d; j++) dt += t(j);
        for (j = 0; j < d; j++) dg[j] += dn[o + j]! * (x[o + j]! * inv);
        const m = (d0 + d1 + dt) / d;
        for (let j = 0; j < d; j++) dx[o + j] = inv * (dn[o + j]! * g[j]! - x[o + j]! * inv * m);
      }
    },
    actQuant(x, out, rows, d) {
      const eps32 = f32(ACTIVATION_EPS);
      for (let row = 0; row < rows; row++) {
        const o = row * d;
        let absmax = 0;
        for (let j = 0; j < d; j++) {
          const v = Math.abs(x[o + j]!);
          if (v > absmax) absmax = v;
        }
        const sx = f32(127 / Math.max(absmax, eps32));
        for (let j = 0; j < d; j++) {
          // Clamp, then round (the bounds are integers, so the codes are those of round-then-clamp); NaN → 0.
          let v = f32(x[o + j]! * sx);
          v = v > 127 ? 127 : v < -128 ? -128 : v;
          const c = v + ROUND_MAGIC - ROUND_MAGIC;
          out[o + j] = c === c ? c / sx : 0;
        }
      }
    },
    transpose(a, out, rows, cols) {
      const T = 32;
      for (let r0 = 0; r0 < rows; r0 += T) {
        const r1 = Math.min(rows, r0 + T);
        for (let c0 = 0; c0 < cols; c0 += T) {
          const c1 = Math.min(cols, c0 + T);
          for (let c = c0; c < c1; c++) for (let r = r0; r < r1; r++) out[c * rows + r] = a[r * cols + c]!;
        }
      }
    },
    adam(w, g, m, v, s) {
      const b1 = f32(s.beta1), b2 = f32(s.beta2), a1 = f32(1 - b1), a2 = f32(1 - b2);
      const bc1 = f32(s.bc1), bc2 = f32(s.bc2), eps = f32(s.eps), lr = f32(s.lr), decay = f32(s.decay);
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]!;
        const mi = f32(f32(b1 * m[i]!) + f32(a1 * gi));
        const vi = f32(f32(b2 * v[i]!) + f32(a2 * f32(gi * gi)));
        m[i] = mi;
        v[i] = vi;
        const wi = w[i]!;
        const step = f32(f32(f32(mi / bc1) / f32(f32(Math.sqrt(f32(vi / bc2))) + eps)) + f32(decay * wi));
        w[i] = f32(wi - f32(lr * step));
      }
    },
    ternary(w, out, rows, cols, ostride, t, s) {
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < cols; j++) {
          const v = w[r * cols + j]!;
          out[r * ostride + j] = v - v !== 0 ? 0 : v > t ? s : v < -t ? -s : 0;
        }
      }
    },
  };
}

function rowInv(x: Float32Array, o: number, d: number, eps: number): number {
  // Four partial sums, paired as the kernel's two float64 lanes pair them, so both give the same r.
  let s0 = 0, s1 = 0, s2 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += x[o + j]! * x[o + j]! + x[o + j + 2]! * x[o + j + 2]!;
    s1 += x[o + j + 1]! * x[o + j + 1]! + x[o + j + 3]! * x[o + j + 3]!;
  }
  for (; j < d; j++) s2 += x[o + j]! * x[o + j]!;
  return 1 / Math.sqrt((s0 + s1 + s2) / d + eps);
}

// ----------------------------------------------------------------------------- wasm (rows of multiples of 4)

interface Exports {
  memory: WebAssembly.Memory;
  rmsnorm(x: number, g: number, n: number, r: number, rows: number, d: number, eps: number): void;
  rmsnorm_grad(x: number, g: number, dn: number, dx: number, dg: number, rows: number, d: number, eps: number): void;
  actquant(x: number, out: number, rows: number, d: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  adam(w: number, g: number, m: number, v: number, n: number, b1: number, b2: number, bc1: number, bc2: number, eps: number, lr: number, decay: number): void;
  ternary(w: number, out: number, rows: number, cols: number, ostride: number, t: number, s: number): void;
}

let exportsOnce: Exports | undefined;
function kernel(): Exports {
  // ~3 KB of code: synchronous compilation is fine everywhere.
  exportsOnce ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(LINEAR_WASM_BASE64, 'base64'))).exports as unknown as Exports;
  return exportsOnce;
}

function wasmWorkspace(bytes: number): Workspace {
  const k = kernel();
  // Room for the arrays plus alignment slack for up to 64 of them.
  const need = bytes + 64 * 16;
  const have = k.memory.buffer.byteLength;
  if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
  const buf = k.memory.buffer;
  let top = 0;
  const take = (n: number, size: number): number => {
    const at = top;
    top = Math.ceil((top + n * size) / 16) * 16;
    if (top > buf.byteLength) throw new Error(`internal: workspace of ${bytes} bytes overrun`);
    return at;
  };
  const p = (a: Float32Array | Float64Array): number => {
    if (a.buffer !== buf) throw new Error('internal: a wasm kernel got an array outside its workspace');
    return a.byteOffset;
  };
  const js = jsWorkspace();
  const fit = (...dims: number[]): boolean => dims.every((d) => d % 4 === 0);
  return {
    alloc: (n) => new Float32Array(buf, take(n, 4), n),
    alloc64: (n) => new Float64Array(buf, take(n, 8), n).fill(0),
    rmsNorm: (x, g, n, r, rows, d, eps) => (fit(d) ? k.rmsnorm(p(x), p(g), p(n), p(r), rows, d, eps) : js.rmsNorm(x, g, n, r, rows, d, eps)),
    rmsNormGrad: (x, g, dn, dx, dg, rows, d, eps) =>
      fit(d) ? k.rmsnorm_grad(p(x), p(g), p(dn), p(dx), p(dg), rows, d, eps) : js.rmsNormGrad(x, g, dn, dx, dg, rows, d, eps),
    actQuant: (x, out, rows, d) => (fit(d) ? k.actquant(p(x), p(out), rows, d) : js.actQuant(x, out, rows, d)),
    transpose: (a, out, rows, cols) => (fit(rows, cols) ? k.transpose(p(a), p(out), rows, cols) : js.transpose(a, out, rows, cols)),
    adam: (w, g, m, v, s) =>
      fit(w.length) ? k.adam(p(w), p(g), p(m), p(v), w.length, s.beta1, s.beta2, s.bc1, s.bc2, s.eps, s.lr, s.decay) : js.adam(w, g, m, v, s),
    ternary: (w, out, rows, cols, ostride, t, s) =>
      fit(cols, ostride) && out.byteOffset % 16 === 0 ? k.ternary(p(w), p(out), rows, cols, ostride, t, s) : js.ternary(w, out, rows, cols, ostride, t, s),
  };
}
