/**
 * GGML TQ2_0 (type 35; ggml-common.h `block_tq2_0`, bitnet-reference.md §4b):
 * 256 weights in 66 bytes = qs[64] | d (IEEE fp16, last). Within each
 * 128-element half c, byte 32c+m holds elements 128c + 32n + m for n = 0..3 in
 * bits (2n+1:2n); stored code = trit + 1; value = (code − 1)·d.
 */
import { GGML_TYPE } from '../gguf/ggmlTypes.js';
import { pack128Groups, pairsReadable } from './patternTrits.js';

/** 66: qs[64] | d[2] (ggml-common.h block_tq2_0). */
const B = GGML_TYPE.TQ2_0.blockBytes;
const QK = GGML_TYPE.TQ2_0.blockElems;

/**
 * `encodeTq2_0` from 16-bit patterns: the first nBlocks·256 of `halves`,
 * `stored` = stored code (trit + 1) of every pattern (storedCodeTable).
 * Same bytes as encoding their codes; one pass, no code array.
 */
export function encodeTq2_0FromPatterns(halves: Uint16Array, nBlocks: number, stored: Uint8Array, dBits: number, out: Uint8Array, outOffset: number): void {
  if (halves.length < nBlocks * QK) throw new RangeError('fewer patterns than the blocks need');
  const pairs = pairsReadable(halves) ? new Uint32Array(halves.buffer, halves.byteOffset, nBlocks * 128) : undefined;
  const lo = dBits & 0xff;
  const hi = dBits >>> 8;
  for (let b = 0; b < nBlocks; b++) {
    const o = outOffset + b * B;
    pack128Groups(halves, pairs, 2 * b, 2, stored, out, o, 0, 2, 4, 6);
    out[o + 64] = lo;
    out[o + 65] = hi;
  }
}

/** Encodes `nBlocks` blocks of trits starting at codes[codeOffset]; every block gets the same fp16 scale bits. */
export function encodeTq2_0(codes: Int8Array, codeOffset: number, nBlocks: number, dBits: number, out: Uint8Array, outOffset: number): void {
  for (let b = 0; b < nBlocks; b++) {
    const x = codeOffset + b * QK;
    const o = outOffset + b * B;
    for (let c = 0; c < 2; c++) {
      const xc = x + 128 * c;
      const oc = o + 32 * c;
      for (let m = 0; m < 32; m++) {
        out[oc + m] =
          (codes[xc + m]! + 1) |
          ((codes[xc + 32 + m]! + 1) << 2) |
          ((codes[xc + 64 + m]! + 1) << 4) |
          ((codes[xc + 96 + m]! + 1) << 6);
      }
    }
    out[o + 64] = dBits & 0xff;
    out[o + 65] = dBits >>> 8;
  }
}

/**
 * Decodes stored codes (trit = code − 1; code 3 would read as +2 — ggml does the
 * same, and our writer never produces it) and per-block fp16 bits.
 */
export function decodeTq2_0Codes(src: Uint8Array, srcOffset: number, nBlocks: number, codes: Int8Array, codeOffset: number, dBits?: Uint16Array, dOffset = 0): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = srcOffset + b * B;
    const x = codeOffset + b * QK;
    for (let c = 0; c < 2; c++) {
      for (let n = 0; n < 4; n++) {
        const shift = 2 * n;
        const xo = x + 128 * c + 32 * n;
        const so = s + 32 * c;
        for (let m = 0; m < 32; m++) codes[xo + m] = ((src[so + m]! >> shift) & 3) - 1;
      }
    }
    if (dBits) dBits[dOffset + b] = src[s + 64]! | (src[s + 65]! << 8);
  }
}

/** Dequantizes into floats; `half` converts fp16 bits to a number. */
export function decodeTq2_0(src: Uint8Array, srcOffset: number, nBlocks: number, out: Float32Array, outOffset: number, half: (bits: number) => number): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = srcOffset + b * B;
    const x = outOffset + b * QK;
    const d = half(src[s + 64]! | (src[s + 65]! << 8));
    for (let c = 0; c < 2; c++) {
      for (let n = 0; n < 4; n++) {
        const shift = 2 * n;
        const xo = x + 128 * c + 32 * n;
        const so = s + 32 * c;
        for (let m = 0; m < 32; m++) out[xo + m] = (((src[so + m]! >> shift) & 3) - 1) * d;
      }
    }
  }
}
