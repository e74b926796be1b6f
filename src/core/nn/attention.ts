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
 *   q [b·t, H·dh], k, v [b·t, KV·dh] (rows = sequence-major tokens)
 *   Q = rope(q), K = rope(k) per head and position (rope.ts)
 *   for query head h, kv head g = ⌊h·KV/H⌋ (HF repeat_kv), position p:
 *     s_j = (Q_p · K_j) / √dh   for j ≤ p;   P_p = softmax(s);   out_p = Σ_j P_pj V_j
 *   out [b·t, H·dh]
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

/** Byte offsets of the regions one call uses, and a float view of memory large enough for them. */
interface Layout {
  f32: Float32Array;
  Q: number; K: number; V: number; X: number; dQ: number; dK: number; dV: number; W: number; P: number;
}

function layout(s: AttentionShape): Layout {
  const k = getKernel();
  const nq = s.batch * s.t * s.heads * s.dh * 4;
  const nk = s.batch * s.t * s.kvHeads * s.dh * 4;
  const nw = s.t * s.t * 4;
  const at = [nq, nk, nk, nq, nq, nk, nk, nw, nw];
  const offs: number[] = [];
  let end = 0;
  for (const n of at) {
    offs.push(end);
    end += Math.ceil(n / 16) * 16;
  }
  const have = k.memory.buffer.byteLength;
  if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
  const [Q, K, V, X, dQ, dK, dV, W, P] = offs as [number, number, number, number, number, number, number, number, number];
  return { f32: new Float32Array(k.memory.buffer), Q, K, V, X, dQ, dK, dV, W, P };
}

interface Saved {
  /** rope(q), rope(k) in the input layout. */
  Q: Float32Array;
  K: Float32Array;
  v: Float32Array;
  /** Softmax of every (sequence, head), t × t each (lower triangle meaningful). */
  P: Float32Array;
}

function forward(s: AttentionShape, rope: RopeTables, q: Float32Array, k: Float32Array, v: Float32Array): { out: Float32Array; saved: Saved } {
  const { batch, t, heads: H, kvHeads: KV, dh } = s;
  const qs = H * dh;
  const ks = KV * dh;
  const kern = getKernel();
  const L = layout(s);
  const f = L.f32;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < t; p++) {
      const row = b * t + p;
      for (let h = 0; h < H; h++) ropeInto(rope, p, q, row * qs + h * dh, f, L.Q / 4 + row * qs + h * dh);
      for (let g = 0; g < KV; g++) ropeInto(rope, p, k, row * ks + g * dh, f, L.K / 4 + row * ks + g * dh);
    }
  }
  f.set(v, L.V / 4);
  f.fill(0, L.X / 4, L.X / 4 + q.length);
  const P = new Float32Array(batch * H * t * t);
  const scale = 1 / Math.sqrt(dh);
  const w0 = L.W / 4;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor((h * KV) / H);
      const qh = (b * t * qs + h * dh) * 4;
      const kg = (b * t * ks + g * dh) * 4;
      kern.scores(L.Q + qh, qs * 4, L.K + kg, ks * 4, L.W, t, dh, scale);
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
      P.set(f.subarray(w0, w0 + t * t), (b * H + h) * t * t);
      kern.rowsum(L.W, L.V + kg, ks * 4, L.X + qh, qs * 4, t, dh);
    }
  }
  return {
    out: f.slice(L.X / 4, L.X / 4 + q.length),
    saved: { Q: f.slice(L.Q / 4, L.Q / 4 + q.length), K: f.slice(L.K / 4, L.K / 4 + k.length), v, P },
  };
}

function backward(s: AttentionShape, rope: RopeTables, saved: Saved, dO: Float32Array): [Float32Array, Float32Array, Float32Array] {
  const { batch, t, heads: H, kvHeads: KV, dh } = s;
  const qs = H * dh;
  const ks = KV * dh;
  const nq = saved.Q.length;
  const nk = saved.K.length;
  const kern = getKernel();
  const L = layout(s);
  const f = L.f32;
  f.set(saved.Q, L.Q / 4);
  f.set(saved.K, L.K / 4);
  f.set(saved.v, L.V / 4);
  f.set(dO, L.X / 4);
  f.fill(0, L.dQ / 4, L.dQ / 4 + nq);
  f.fill(0, L.dK / 4, L.dK / 4 + nk);
  f.fill(0, L.dV / 4, L.dV / 4 + nk);
  const scale = 1 / Math.sqrt(dh);
  const w0 = L.W / 4;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor((h * KV) / H);
      const qh = (b * t * qs + h * dh) * 4;
      const kg = (b * t * ks + g * dh) * 4;
      const P = saved.P.subarray((b * H + h) * t * t, (b * H + h + 1) * t * t);
      // dP[p, j] = dO_p · V_j, then dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √dh in place.
      kern.scores(L.X + qh, qs * 4, L.V + kg, ks * 4, L.W, t, dh, 1);
      for (let p = 0; p < t; p++) {
        const r = p * t;
        let D = 0;
        for (let j = 0; j <= p; j++) D += P[r + j]! * f[w0 + r + j]!;
        for (let j = 0; j <= p; j++) f[w0 + r + j] = P[r + j]! * (f[w0 + r + j]! - D) * scale;
      }
      kern.rowsum(L.W, L.K + kg, ks * 4, L.dQ + qh, qs * 4, t, dh);
      kern.colsum(L.W, L.Q + qh, qs * 4, L.dK + kg, ks * 4, t, dh);
      f.set(P, L.P / 4);
      kern.colsum(L.P, L.X + qh, qs * 4, L.dV + kg, ks * 4, t, dh);
    }
  }
  const dq = new Float32Array(nq);
  const dk = new Float32Array(nk);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < t; p++) {
      const row = b * t + p;
      for (let h = 0; h < H; h++) ropeInto(rope, p, f, L.dQ / 4 + row * qs + h * dh, dq, row * qs + h * dh, true);
      for (let g = 0; g < KV; g++) ropeInto(rope, p, f, L.dK / 4 + row * ks + g * dh, dk, row * ks + g * dh, true);
    }
  }
  return [dq, dk, f.slice(L.dV / 4, L.dV / 4 + nk)];
}

/** out [b·t, H·dh] from the projections q [b·t, H·dh], k and v [b·t, KV·dh]; differentiable in all three. */
export function causalSelfAttention(tf: Tf, q: Tensor, k: Tensor, v: Tensor, shape: AttentionShape, rope: RopeTables): Tensor {
  const f = tf.customGrad(((qt: Tensor, kt: Tensor, vt: Tensor, save: (t: Tensor[]) => void) => {
    save([]);
    const { out, saved } = forward(shape, rope, qt.dataSync() as Float32Array, kt.dataSync() as Float32Array, vt.dataSync() as Float32Array);
    return {
      value: tf.tensor2d(out, qt.shape as [number, number]),
      gradFunc: (dy: Tensor) => {
        const [dq, dk, dv] = backward(shape, rope, saved, dy.dataSync() as Float32Array);
        return [tf.tensor2d(dq, qt.shape as [number, number]), tf.tensor2d(dk, kt.shape as [number, number]), tf.tensor2d(dv, vt.shape as [number, number])];
      },
    };
  }) as unknown as CustomGradFn);
  return f(q, k, v);
}
