/**
 * GGML TQ1_0 (type 34; ggml-common.h `block_tq1_0`, ggml-quants.c
 * `quantize_row_tq1_0_ref`; bitnet-reference.md §4b): 256 weights in 54 bytes
 * = qs[48] | qh[4] | d (fp16). Five trits per byte as a base-3 fixed-point
 * fraction: q = Σ code_n·3^(4−n) (first trit most significant), byte =
 * ⌈q·256/243⌉; trit n comes back as ((byte·3^n) mod 256)·3 >> 8.
 *   qs[0..31]:  byte m holds elements 32n + m        (n = 0..4) → 0..159
 *   qs[32..47]: byte 32+m holds elements 160 + 16n + m (n = 0..4) → 160..239
 *   qh[0..3]:   byte j holds elements 240 + 4n + j  (n = 0..3, then an implicit 0 trit)
 */
import { GGML_TYPE } from '../gguf/ggmlTypes.js';

/** 54: qs[48] | qh[4] | d[2] (ggml-common.h block_tq1_0). */
const B = GGML_TYPE.TQ1_0.blockBytes;
const QK = GGML_TYPE.TQ1_0.blockElems;

const POW3 = [1, 3, 9, 27, 81, 243];

/** Base-3 fixed point: the smallest byte whose decode reproduces every digit of q (0 ≤ q ≤ 242). */
export function tq1EncodeByte(q: number): number {
  return Math.floor((q * 256 + 242) / 243);
}

/** Digit n (0 = most significant) of a fixed-point byte. The & 0xff is ggml's uint8 wrap-around. */
export function tq1DecodeDigit(byte: number, n: number): number {
  return (((byte * POW3[n]!) & 0xff) * 3) >> 8;
}

export function encodeTq1_0(codes: Int8Array, codeOffset: number, nBlocks: number, dBits: number, out: Uint8Array, outOffset: number): void {
  for (let b = 0; b < nBlocks; b++) {
    const x = codeOffset + b * QK;
    const o = outOffset + b * B;
    for (let m = 0; m < 32; m++) {
      let q = 0;
      for (let n = 0; n < 5; n++) q = q * 3 + codes[x + 32 * n + m]! + 1;
      out[o + m] = tq1EncodeByte(q);
    }
    for (let m = 0; m < 16; m++) {
      let q = 0;
      for (let n = 0; n < 5; n++) q = q * 3 + codes[x + 160 + 16 * n + m]! + 1;
      out[o + 32 + m] = tq1EncodeByte(q);
    }
    for (let j = 0; j < 4; j++) {
      let q = 0;
      for (let n = 0; n < 4; n++) q = q * 3 + codes[x + 240 + 4 * n + j]! + 1;
      out[o + 48 + j] = tq1EncodeByte(q * 3);
    }
    out[o + 52] = dBits & 0xff;
    out[o + 53] = dBits >>> 8;
  }
}

/** tq1EncodeByte of every five-digit q (0…242). */
const ENCODED_Q = Uint8Array.from({ length: 243 }, (_, q) => tq1EncodeByte(q));

/**
 * `encodeTq1_0` from 16-bit patterns: the first nBlocks·256 of `halves`,
 * `stored` = stored code (trit + 1) of every pattern (storedCodeTable).
 * Same bytes as encoding their codes; one pass, no code array.
 */
export function encodeTq1_0FromPatterns(halves: Uint16Array, nBlocks: number, stored: Uint8Array, dBits: number, out: Uint8Array, outOffset: number): void {
  if (halves.length < nBlocks * QK) throw new RangeError('fewer patterns than the blocks need');
  const s = stored;
  const h = halves;
  for (let b = 0; b < nBlocks; b++) {
    const x = b * QK;
    const o = outOffset + b * B;
    for (let m = 0; m < 32; m++) {
      const q = s[h[x + m]!]! * 81 + s[h[x + 32 + m]!]! * 27 + s[h[x + 64 + m]!]! * 9 + s[h[x + 96 + m]!]! * 3 + s[h[x + 128 + m]!]!;
      out[o + m] = ENCODED_Q[q]!;
    }
    for (let m = 0; m < 16; m++) {
      const y = x + 160 + m;
      const q = s[h[y]!]! * 81 + s[h[y + 16]!]! * 27 + s[h[y + 32]!]! * 9 + s[h[y + 48]!]! * 3 + s[h[y + 64]!]!;
      out[o + 32 + m] = ENCODED_Q[q]!;
    }
    for (let j = 0; j < 4; j++) {
      const y = x + 240 + j;
      // Four trits and an implicit trailing 0 digit, as encodeTq1_0 writes them.
      const q = s[h[y]!]! * 81 + s[h[y + 4]!]! * 27 + s[h[y + 8]!]! * 9 + s[h[y + 12]!]! * 3;
      out[o + 48 + j] = ENCODED_Q[q]!;
    }
    out[o + 52] = dBits & 0xff;
    out[o + 53] = dBits >>> 8;
  }
}

function forEachBlockTrit(src: Uint8Array, s: number, put: (index: number, trit: number) => void): void {
  for (let n = 0; n < 5; n++) {
    const p = POW3[n]!;
    for (let m = 0; m < 32; m++) put(32 * n + m, ((((src[s + m]! * p) & 0xff) * 3) >> 8) - 1);
    for (let m = 0; m < 16; m++) put(160 + 16 * n + m, ((((src[s + 32 + m]! * p) & 0xff) * 3) >> 8) - 1);
  }
  for (let n = 0; n < 4; n++) {
    const p = POW3[n]!;
    for (let j = 0; j < 4; j++) put(240 + 4 * n + j, ((((src[s + 48 + j]! * p) & 0xff) * 3) >> 8) - 1);
  }
}

export function decodeTq1_0Codes(src: Uint8Array, srcOffset: number, nBlocks: number, codes: Int8Array, codeOffset: number, dBits?: Uint16Array, dOffset = 0): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = srcOffset + b * B;
    const x = codeOffset + b * QK;
    forEachBlockTrit(src, s, (i, t) => {
      codes[x + i] = t;
    });
    if (dBits) dBits[dOffset + b] = src[s + 52]! | (src[s + 53]! << 8);
  }
}

export function decodeTq1_0(src: Uint8Array, srcOffset: number, nBlocks: number, out: Float32Array, outOffset: number, half: (bits: number) => number): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = srcOffset + b * B;
    const x = outOffset + b * QK;
    const d = half(src[s + 52]! | (src[s + 53]! << 8));
    forEachBlockTrit(src, s, (i, t) => {
      out[x + i] = t * d;
    });
  }
}
