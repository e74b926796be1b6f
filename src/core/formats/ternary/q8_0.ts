/**
 * GGML Q8_0 (type 8; ggml-common.h `block_q8_0`): 32 weights in 34 bytes =
 * d (fp16, first) | qs[32] int8; value = qs·d. Decode only: we read GGUFs
 * that keep embeddings or heads in Q8_0, we never write it.
 */
export const Q8_0_BLOCK_ELEMS = 32;
export const Q8_0_BLOCK_BYTES = 34;

export function decodeQ8_0(src: Uint8Array, srcOffset: number, nBlocks: number, out: Float32Array, outOffset: number, half: (bits: number) => number): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = srcOffset + 34 * b;
    const x = outOffset + 32 * b;
    const d = half(src[s]! | (src[s + 1]! << 8));
    for (let i = 0; i < 32; i++) out[x + i] = ((src[s + 2 + i]! << 24) >> 24) * d;
  }
}
