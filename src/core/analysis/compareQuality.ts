/**
 * Per-layer output error of a ternary linear layer against its float original
 * on the same random inputs: y_fp = x·Wᵀ in float64, y_tern from the ternary
 * kernel (absmean ternary weights, per-token int8 activations — BitLinear
 * inference as in FAQ Fig. 4).
 */
import type { TernaryKernel } from '../kernels/types.js';

export interface LayerQuality {
  name: string;
  out: number;
  in: number;
  gamma: number;
  zeroFraction: number;
  /** ‖y_tern − y_fp‖ / ‖y_fp‖ over all tokens. */
  relError: number;
  /** cos(y_tern, y_fp) over all tokens. */
  cosine: number;
}

/** x: [tokens, in]; w: [out, in] float; codes/gamma: its ternary form. */
export function layerQuality(
  kernel: TernaryKernel, name: string, w: Float32Array, codes: Int8Array, gamma: number,
  out: number, inF: number, x: Float32Array, tokens: number, zeroFraction: number,
): LayerQuality {
  const yt = kernel.gemm(kernel.prepareTernaryMatrix(codes, out, inF, gamma), x, tokens);
  let dot = 0;
  let nf = 0;
  let nt = 0;
  let err = 0;
  for (let t = 0; t < tokens; t++) {
    for (let r = 0; r < out; r++) {
      let s = 0;
      const wb = r * inF;
      const xb = t * inF;
      for (let j = 0; j < inF; j++) s += x[xb + j]! * w[wb + j]!;
      const v = yt[t * out + r]!;
      dot += s * v;
      nf += s * s;
      nt += v * v;
      err += (v - s) * (v - s);
    }
  }
  return {
    name, out, in: inF, gamma, zeroFraction,
    relError: nf > 0 ? Math.sqrt(err / nf) : NaN,
    cosine: nf > 0 && nt > 0 ? dot / Math.sqrt(nf * nt) : NaN,
  };
}
