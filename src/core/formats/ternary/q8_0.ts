/**
 * GGML Q8_0 (type 8; ggml-common.h `block_q8_0`): 32 weights in 34 bytes =
 * d (fp16, first) | qs[32] int8; value = qs·d. We read GGUFs
 * that keep embeddings or heads in Q8_0, and write it for tensors whose rows
 * do not split into the 256-element blocks TQ1_0/TQ2_0 need.
 */
import { GGML_TYPE } from '../gguf/ggmlTypes.js';

/** 34: d[2] | qs[32] (ggml-common.h block_q8_0). */
const B = GGML_TYPE.Q8_0.blockBytes;
const QK = GGML_TYPE.Q8_0.blockElems;

export function decodeQ8_0(src: Uint8Array, srcOffset: number, nBlocks: number, out: Float32Array, outOffset: number, half: (bits: number) => number): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = srcOffset + B * b;
    const x = outOffset + QK * b;
    const d = half(src[s]! | (src[s + 1]! << 8));
    for (let i = 0; i < 32; i++) out[x + i] = ((src[s + 2 + i]! << 24) >> 24) * d;
  }
}

/**
 * ggml-quants.c `quantize_row_q8_0_ref`, in float32 as ggml computes it:
 * per 32 values d = max|x|/127, qs = round(x/d) (half away from zero, C
 * roundf), d stored as fp16. `f16Bits` converts a float to fp16 bits.
 */
export function encodeQ8_0(x: Float32Array, nBlocks: number, out: Uint8Array, outOffset: number, f16Bits: (v: number) => number): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = QK * b;
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[s + i]!));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const o = outOffset + B * b;
    const bits = f16Bits(d);
    out[o] = bits & 0xff;
    out[o + 1] = bits >>> 8;
    for (let i = 0; i < 32; i++) {
      const v = Math.fround(x[s + i]! * id);
      // roundf: halves away from zero (Math.round rounds them up).
      const q = v < 0 ? -Math.round(-v) : Math.round(v);
      out[o + 2 + i] = q & 0xff;
    }
  }
}
