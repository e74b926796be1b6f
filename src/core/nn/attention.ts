/**
 * Causal self-attention with RoPE and GQA as one op with a hand-written
 * backward pass, on typed arrays.
 *
 * Why not tfjs ops: on the wasm backend a batched matMul ([b·H, t, dh] ×
 * [b·H, dh, t]) takes tfjs' scalar fallback, not XNNPACK (~2.4 GFLOP/s
 * measured here against ~28 for a 2-D matMul), and the composite — RoPE's
 * split/concat, four head transposes, mask, softmax, six batched matMuls
 * forward and backward — was a third of a training step (profile in
 * bench/training.mjs's notes). Here each score row touches only the keys
 * it may see (half the work of a masked matMul), the inputs are read in
 * the layout the projections produce, and nothing is transposed.
 *
 * Definition (transformerLm.ts header; HF modeling_bitnet BitNetAttention):
 *   qkv [b·t, (H + 2·KV)·dh] (rows = sequence-major tokens): q, then k, then v,
 *   side by side as the fused q/k/v projection writes them (fusedLinear.ts)
 *   Q = rope(q), K = rope(k) per head and position (rope.ts)
 *   for query head h, kv head g = ⌊h·KV/H⌋ (HF repeat_kv), position p:
 *     s_j = (Q_p · K_j) / √dh   for j ≤ p;   P_p = softmax(s);   out_p = Σ_j P_pj V_j
 *   out [b·t, H·dh];  the gradient comes back in the packed qkv layout
 * Backward (exact, from the chain rule; dO = ∂L/∂out):
 *   dV_j += P_pj dO_p;  dP_pj = dO_p · V_j;  dS_pj = P_pj (dP_pj − Σ_i P_pi dP_pi)
 *   dQ_p = Σ_j dS_pj K_j / √dh;  dK_j += dS_pj Q_p / √dh;  dq = ropeᵀ(dQ), dk = ropeᵀ(dK)
 * The three loops (scores, Σ_j W_pj X_j, Σ_p W_pj X_p) run in WebAssembly
 * SIMD (attention.wat); softmax, RoPE and dS stay here in JS.
 */
import { ATTENTION_WASM_BASE64 } from './generated/attentionWasm.js';
import { ropeInto, type RopeTables } from './rope.js';
import type { CustomGradFn, Tensor, Tf } from './tf.js';

export interface AttentionShape {
  batch: number;
  t: number;
  heads: number;
  kvHeads: number;
  dh: number;
}

interface Kernel {
  memory: WebAssembly.Memory;
  scores(a: number, as: number, b: number, bs: number, w: number, t: number, dh: number, scale: number): void;
  rowsum(w: number, x: number, xs: number, o: number, os: number, t: number, dh: number): void;
  colsum(w: number, x: number, xs: number, o: number, os: number, t: number, dh: number): void;
}

let kernel: Kernel | undefined;
function getKernel(): Kernel {
  // ~1 KB of code: synchronous compilation is fine everywhere.
  kernel ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(ATTENTION_WASM_BASE64, 'base64'))).exports as unknown as Kernel;
  return kernel;
}

/**
 * What one call needs: the kernel, the packed-row geometry, and byte offsets
 * of its regions in kernel memory — QKV (the roped input, packed), X (out, or
 * dO in the backward), dQKV (packed gradient), W and P (t × t scratch).
 * Forward and backward share it so their head loops read the same offsets.
 */
interface Plan {
  kern: Kernel;
  f32: Float32Array;
  /** Floats per packed row, and the column where k and v start. */
  S: number; kCol: number; vCol: number;
  QKV: number; X: number; dQKV: number; W: number; P: number;
  scale: number;
}

function plan(s: AttentionShape): Plan {
  const kern = getKernel();
  const rows = s.batch * s.t;
  const qs = s.heads * s.dh;
  const S = (s.heads + 2 * s.kvHeads) * s.dh;
  const sizes = [rows * S, rows * qs, rows * S, s.t * s.t, s.t * s.t].map((n) => Math.ceil((n * 4) / 16) * 16);
  const offs: number[] = [];
  let end = 0;
  for (const n of sizes) {
    offs.push(end);
    end += n;
  }
  const have = kern.memory.buffer.byteLength;
  if (end > have) kern.memory.grow(Math.ceil((end - have) / 65536));
  const [QKV, X, dQKV, W, P] = offs as [number, number, number, number, number];
  return { kern, f32: new Float32Array(kern.memory.buffer), S, kCol: qs, vCol: qs + s.kvHeads * s.dh, QKV, X, dQKV, W, P, scale: 1 / Math.sqrt(s.dh) };
}

/**
 * Every (sequence b, query head h) with its kv head g = ⌊h·KV/H⌋ (HF repeat_kv)
 * and the byte offsets of its first q, k and v values in a packed region at
 * `base`, and of its first value in an [rows, H·dh] region at `xBase`.
 */
function forEachHead(s: AttentionShape, pl: Plan, base: number, xBase: number, fn: (bh: number, q: number, k: number, v: number, x: number) => void): void {
  const { batch, t, heads: H, kvHeads: KV, dh } = s;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor((h * KV) / H);
      const row = base + b * t * pl.S * 4;
      fn(b * H + h, row + h * dh * 4, row + (pl.kCol + g * dh) * 4, row + (pl.vCol + g * dh) * 4, xBase + (b * t * H + h) * dh * 4);
    }
  }
}

/** RoPE (or, with `inverse`, its transpose) on the q and k columns of a packed [rows, S] float region, in place. */
function ropePacked(s: AttentionShape, pl: Plan, rope: RopeTables, at: number, inverse: boolean): void {
  const f = pl.f32;
  for (let row = 0; row < s.batch * s.t; row++) {
    const p = row % s.t;
    const o = at / 4 + row * pl.S;
    for (let h = 0; h < s.heads + s.kvHeads; h++) ropeInto(rope, p, f, o + h * s.dh, f, o + h * s.dh, inverse);
  }
}

interface Saved {
  /** The packed input with RoPE applied to q and k. */
  qkv: Float32Array;
  /** Softmax of every (sequence, head), t × t each (lower triangle meaningful). */
  P: Float32Array;
}

function forward(s: AttentionShape, rope: RopeTables, qkv: Float32Array): { out: Float32Array; saved: Saved } {
  const { t, heads: H, dh } = s;
  const pl = plan(s);
  const { kern, f32: f, S } = pl;
  const nOut = s.batch * t * H * dh;
  f.set(qkv, pl.QKV / 4);
  ropePacked(s, pl, rope, pl.QKV, false);
  f.fill(0, pl.X / 4, pl.X / 4 + nOut);
  const P = new Float32Array(s.batch * H * t * t);
  const w0 = pl.W / 4;
  forEachHead(s, pl, pl.QKV, pl.X, (bh, q, k, v, x) => {
    kern.scores(q, S * 4, k, S * 4, pl.W, t, dh, pl.scale);
    for (let p = 0; p < t; p++) {
      const r = w0 + p * t;
      let m = -Infinity;
      for (let j = 0; j <= p; j++) if (f[r + j]! > m) m = f[r + j]!;
      let l = 0;
      for (let j = 0; j <= p; j++) {
        const e = Math.exp(f[r + j]! - m);
        f[r + j] = e;
        l += e;
      }
      for (let j = 0; j <= p; j++) f[r + j] = f[r + j]! / l;
    }
    P.set(f.subarray(w0, w0 + t * t), bh * t * t);
    kern.rowsum(pl.W, v, S * 4, x, H * dh * 4, t, dh);
  });
  return { out: f.slice(pl.X / 4, pl.X / 4 + nOut), saved: { qkv: f.slice(pl.QKV / 4, pl.QKV / 4 + qkv.length), P } };
}

function backward(s: AttentionShape, rope: RopeTables, saved: Saved, dO: Float32Array): Float32Array {
  const { t, heads: H, dh } = s;
  const pl = plan(s);
  const { kern, f32: f, S } = pl;
  const n = saved.qkv.length;
  f.set(saved.qkv, pl.QKV / 4);
  f.set(dO, pl.X / 4);
  f.fill(0, pl.dQKV / 4, pl.dQKV / 4 + n);
  const w0 = pl.W / 4;
  const dOff = pl.dQKV - pl.QKV;
  forEachHead(s, pl, pl.QKV, pl.X, (bh, q, k, v, x) => {
    const P = saved.P.subarray(bh * t * t, (bh + 1) * t * t);
    // dP[p, j] = dO_p · V_j, then dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √dh in place.
    kern.scores(x, H * dh * 4, v, S * 4, pl.W, t, dh, 1);
    for (let p = 0; p < t; p++) {
      const r = p * t;
      let D = 0;
      for (let j = 0; j <= p; j++) D += P[r + j]! * f[w0 + r + j]!;
      for (let j = 0; j <= p; j++) f[w0 + r + j] = P[r + j]! * (f[w0 + r + j]! - D) * pl.scale;
    }
    kern.rowsum(pl.W, k, S * 4, q + dOff, S * 4, t, dh);
    kern.colsum(pl.W, q, S * 4, k + dOff, S * 4, t, dh);
    f.set(P, pl.P / 4);
    kern.colsum(pl.P, x, H * dh * 4, v + dOff, S * 4, t, dh);
  });
  ropePacked(s, pl, rope, pl.dQKV, true);
  return f.slice(pl.dQKV / 4, pl.dQKV / 4 + n);
}

/** out [b·t, H·dh] from the packed projections qkv [b·t, (H + 2·KV)·dh]; differentiable. */
export function causalSelfAttention(tf: Tf, qkv: Tensor, shape: AttentionShape, rope: RopeTables): Tensor {
  const rows = shape.batch * shape.t;
  const f = tf.customGrad(((x: Tensor, save: (t: Tensor[]) => void) => {
    save([]);
    const { out, saved } = forward(shape, rope, x.dataSync() as Float32Array);
    return {
      value: tf.tensor2d(out, [rows, shape.heads * shape.dh]),
      gradFunc: (dy: Tensor) => tf.tensor2d(backward(shape, rope, saved, dy.dataSync() as Float32Array), x.shape as [number, number]),
    };
  }) as unknown as CustomGradFn);
  return f(qkv);
}
