/**
 * Rotary position embeddings as Hugging Face computes them
 * (transformers modeling_rope_utils.py: `_compute_default_rope_parameters`,
 * `_compute_llama3_parameters`; modeling_llama.py `apply_rotary_pos_emb`):
 *   inv_freq_i = θ^(−2i/d), i < d/2, then optionally rescaled (llama3);
 *   angle(p, i) = p · inv_freq_i;
 *   out_i = x_i cos − x_{i'} sin,  out_{i'} = x_{i'} cos + x_i sin,
 * where i' = i + d/2 (HF rotate_half) or the pair is (2i, 2i+1) for
 * llama.cpp's interleaved layout (see RopeStyle in config.ts).
 * Angles and their cos/sin are computed in float64 (HF uses float32; the
 * difference is below 1e-4 rad at positions in the tens of thousands).
 */
import type { ModelConfig } from './config.js';

export function ropeInvFreq(c: ModelConfig, ggufFactors?: Float32Array): Float64Array {
  const half = c.headDim / 2;
  const f = new Float64Array(half);
  for (let i = 0; i < half; i++) f[i] = 1 / c.ropeTheta ** ((2 * i) / c.headDim);
  const s = c.ropeScaling;
  if (s) {
    const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
    const highWavelen = s.originalMaxPositions / s.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / f[i]!;
      if (wavelen > lowWavelen) f[i] = f[i]! / s.factor;
      else if (wavelen >= highWavelen) {
        const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        f[i] = (1 - smooth) * (f[i]! / s.factor) + smooth * f[i]!;
      }
    }
  }
  // llama.cpp's converter stores llama3 scaling as per-dimension divisors (tensor rope_freqs.weight).
  if (ggufFactors) for (let i = 0; i < half; i++) f[i] = f[i]! / ggufFactors[i]!;
  return f;
}

/** cos/sin of every (position, frequency), grown on demand. */
export class RopeTable {
  private cos = new Float64Array(0);
  private sin = new Float64Array(0);
  private positions = 0;

  constructor(private readonly invFreq: Float64Array, private readonly style: 'half' | 'interleaved') {}

  private ensure(positions: number): void {
    if (positions <= this.positions) return;
    const n = Math.max(positions, this.positions * 2, 64);
    const half = this.invFreq.length;
    this.cos = new Float64Array(n * half);
    this.sin = new Float64Array(n * half);
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < half; i++) {
        const a = p * this.invFreq[i]!;
        this.cos[p * half + i] = Math.cos(a);
        this.sin[p * half + i] = Math.sin(a);
      }
    }
    this.positions = n;
  }

  /** Rotates `heads` head vectors of x (at x[offset …], each headDim long) in place for position `pos`. */
  apply(x: Float32Array, offset: number, heads: number, pos: number): void {
    this.ensure(pos + 1);
    const half = this.invFreq.length;
    const d = 2 * half;
    const base = pos * half;
    const interleaved = this.style === 'interleaved';
    for (let h = 0; h < heads; h++) {
      const o = offset + h * d;
      for (let i = 0; i < half; i++) {
        const c = this.cos[base + i]!;
        const s = this.sin[base + i]!;
        const a = interleaved ? o + 2 * i : o + i;
        const b = interleaved ? a + 1 : a + half;
        const xa = x[a]!;
        const xb = x[b]!;
        x[a] = xa * c - xb * s;
        x[b] = xb * c + xa * s;
      }
    }
  }
}
