/**
 * Rotary position embedding exactly as Hugging Face transformers computes it
 * for Llama / BitNet (modeling_llama.py: LlamaRotaryEmbedding, rotate_half,
 * apply_rotary_pos_emb; default rope type, no scaling):
 *
 *   inv_freq[i] = 1 / theta^(2i / dh)                 i = 0 … dh/2 − 1   (float32)
 *   angle[p, i] = p · inv_freq[i]                                        (float32)
 *   cos[p] = cos(cat(angle[p], angle[p])),  sin[p] likewise              (dh values)
 *   rotate_half(x) = cat(−x[dh/2:], x[:dh/2])
 *   rope(x)[p] = x[p]·cos[p] + rotate_half(x[p])·sin[p]
 *
 * The pairs are (i, i + dh/2) — the "half-split" layout of HF checkpoints,
 * not the interleaved (2i, 2i+1) pairs of the original Meta code. Every step
 * is rounded to float32 as torch does it in float32; cos/sin of the float32
 * angle are then correctly rounded, within an ulp of torch's.
 */
import type { CustomGradFn, Tensor, Tf } from './tf.js';

/** cos and sin tables, each [positions, dh] row-major float32. */
export function ropeTables(positions: number, dh: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  if (dh % 2 !== 0) throw new Error(`internal: RoPE needs an even head size, got ${dh}`);
  const half = dh / 2;
  const f = Math.fround;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = f(1 / f(Math.pow(theta, f((2 * i) / dh))));
  const cos = new Float32Array(positions * dh);
  const sin = new Float32Array(positions * dh);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const a = f(p * invFreq[i]!);
      const c = Math.cos(a);
      const s = Math.sin(a);
      cos[p * dh + i] = cos[p * dh + i + half] = c;
      sin[p * dh + i] = sin[p * dh + i + half] = s;
    }
  }
  return { cos, sin };
}

/**
 * rope(x) for x [b, t, heads, dh] with tables [t, 1, dh] (broadcast over
 * batch and heads). The map is linear and orthogonal per position, so its
 * gradient is the inverse rotation of dy; written out rather than left to
 * tfjs' slice/concat gradients (fewer ops on the tape).
 */
export function applyRope(tf: Tf, x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const half = x.shape[x.shape.length - 1]! / 2;
  const rotateHalf = (v: Tensor, sign: 1 | -1): Tensor => {
    // sign 1: rotate_half(v) = cat(−v2, v1); sign −1: its transpose, cat(v2, −v1).
    const [v1, v2] = tf.split(v, [half, half], -1) as [Tensor, Tensor];
    return sign === 1 ? tf.concat([tf.neg(v2), v1], -1) : tf.concat([v2, tf.neg(v1)], -1);
  };
  const f = tf.customGrad(((v: Tensor, save: (t: Tensor[]) => void) => {
    save([]);
    return {
      value: tf.add(tf.mul(v, cos), tf.mul(rotateHalf(v, 1), sin)),
      gradFunc: (dy: Tensor) => tf.add(tf.mul(dy, cos), rotateHalf(tf.mul(dy, sin), -1)),
    };
  }) as unknown as CustomGradFn);
  return f(x);
}
