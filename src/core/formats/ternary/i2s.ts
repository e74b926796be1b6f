/**
 * bitnet.cpp I2_S (type 36 in the microsoft/BitNet llama.cpp fork; x86
 * ACT_PARALLEL layout of src/ggml-bitnet-mad.cpp `quantize_i2_s`;
 * bitnet-reference.md §4c). 2 bits per weight over the flattened tensor in
 * 128-element blocks of 32 bytes: byte 32b+gp holds elements 128b+gp,
 * +32, +64, +96 in bits (7:6), (5:4), (3:2), (1:0) — most significant first,
 * the reverse of TQ2_0. Codes −1→0, 0→1, +1→2 (3 reads as 0, as the fork's
 * map2bit table does). One float32 scale γ for the whole tensor sits right
 * after the n/4 packed bytes, then 28 bytes of padding: n/4 + 32 bytes total.
 *
 * The ARM layout (QK = 64) is a different byte order; we read and write only
 * the x86 one and say so in tensor notes.
 */
import { I2S_TYPE, i2sBytes } from '../gguf/ggmlTypes.js';
import { pack128Groups, pairsReadable } from './patternTrits.js';

/** Elements and bytes of one block (the registry's I2_S). */
const QK = I2S_TYPE.blockElems;
const B = I2S_TYPE.blockBytes;

/** Fork's map2bit {−1, 0, +1, 0} for codes 0..3. */
const MAP2BIT = new Int8Array([-1, 0, 1, 0]);

export function encodeI2s(codes: Int8Array, n: number, scale: number, out?: Uint8Array): Uint8Array {
  const bytes = out ?? new Uint8Array(i2sBytes(n));
  bytes.fill(0, 0, i2sBytes(n));
  for (let b = 0; b < n / QK; b++) {
    const x = QK * b;
    const o = B * b;
    for (let gp = 0; gp < 32; gp++) {
      bytes[o + gp] =
        ((codes[x + gp]! + 1) << 6) |
        ((codes[x + 32 + gp]! + 1) << 4) |
        ((codes[x + 64 + gp]! + 1) << 2) |
        (codes[x + 96 + gp]! + 1);
    }
  }
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setFloat32(n / 4, scale, true);
  return bytes;
}

/**
 * `encodeI2s` from 16-bit patterns: the first n of `halves`, `stored` = stored
 * code (trit + 1) of every pattern (storedCodeTable). Same bytes as encoding
 * their codes; one pass, no code array.
 */
export function encodeI2sFromPatterns(halves: Uint16Array, n: number, stored: Uint8Array, scale: number, out?: Uint8Array): Uint8Array {
  if (n % QK !== 0 || halves.length < n) throw new RangeError('I2_S packs whole 128-element blocks of the patterns given');
  const bytes = out ?? new Uint8Array(i2sBytes(n));
  const pairs = pairsReadable(halves) ? new Uint32Array(halves.buffer, halves.byteOffset, n / 2) : undefined;
  pack128Groups(halves, pairs, 0, n / QK, stored, bytes, 0, 6, 4, 2, 0);
  bytes.fill(0, n / 4, i2sBytes(n));
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setFloat32(n / 4, scale, true);
  return bytes;
}

/** Decodes trits of 128-element blocks [firstBlock, firstBlock + nBlocks) from packed bytes starting at block `firstBlock`'s byte 0 = src[srcOffset]. */
export function decodeI2sCodes(src: Uint8Array, srcOffset: number, nBlocks: number, codes: Int8Array, codeOffset: number): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = srcOffset + B * b;
    const x = codeOffset + QK * b;
    for (let gp = 0; gp < 32; gp++) {
      const v = src[s + gp]!;
      codes[x + gp] = MAP2BIT[v >> 6]!;
      codes[x + 32 + gp] = MAP2BIT[(v >> 4) & 3]!;
      codes[x + 64 + gp] = MAP2BIT[(v >> 2) & 3]!;
      codes[x + 96 + gp] = MAP2BIT[v & 3]!;
    }
  }
}

export function decodeI2s(src: Uint8Array, srcOffset: number, nBlocks: number, scale: number, out: Float32Array, outOffset: number): void {
  for (let b = 0; b < nBlocks; b++) {
    const s = srcOffset + B * b;
    const x = outOffset + QK * b;
    for (let gp = 0; gp < 32; gp++) {
      const v = src[s + gp]!;
      out[x + gp] = MAP2BIT[v >> 6]! * scale;
      out[x + 32 + gp] = MAP2BIT[(v >> 4) & 3]! * scale;
      out[x + 64 + gp] = MAP2BIT[(v >> 2) & 3]! * scale;
      out[x + 96 + gp] = MAP2BIT[v & 3]! * scale;
    }
  }
}
