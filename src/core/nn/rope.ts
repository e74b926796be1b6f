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

export interface RopeTables {
  dh: number;
  /** [positions, dh] row-major. */
  cos: Float32Array;
  sin: Float32Array;
}

export function ropeTables(positions: number, dh: number, theta: number): RopeTables {
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
      cos[p * dh + i] = cos[p * dh + i + half] = Math.cos(a);
      sin[p * dh + i] = sin[p * dh + i + half] = Math.sin(a);
    }
  }
  return { dh, cos, sin };
}

/**
 * out[o…o+dh) = rope(x[i…i+dh)) at position p, or with `inverse` its
 * transpose (the rotation by −angle), which is also its gradient map:
 * d(rope x)/dx applied to dy is ropeInto(dy, inverse = true).
 */
export function ropeInto(t: RopeTables, p: number, x: ArrayLike<number>, i: number, out: Float32Array, o: number, inverse = false): void {
  const dh = t.dh;
  const half = dh >> 1;
  const c = t.cos;
  const s = t.sin;
  const r = p * dh;
  const sg = inverse ? -1 : 1;
  for (let k = 0; k < half; k++) {
    const x1 = x[i + k]!;
    const x2 = x[i + k + half]!;
    // rotate_half pairs element k with k + dh/2: (x1, x2) → (x1·c − x2·s, x2·c + x1·s); the tables repeat per half.
    out[o + k] = x1 * c[r + k]! - sg * x2 * s[r + k]!;
    out[o + k + half] = x2 * c[r + k + half]! + sg * x1 * s[r + k + half]!;
  }
}
