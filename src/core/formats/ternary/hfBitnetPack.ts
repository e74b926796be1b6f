/**
 * Hugging Face transformers BitNet packing (integrations/bitnet.py `pack_weights`
 * / `unpack_weights`; bitnet-reference.md §4a): 4 trits per uint8 packed along
 * dim 0 (output rows) in 4 contiguous row-slabs, slab i in bits (2i+1:2i),
 * stored code = trit + 1 (−1→0, 0→1, +1→2). Packed row r of a P-row packed
 * matrix holds logical rows r, r+P, r+2P, r+3P.
 *
 * Code 3 is never written by transformers; its unpacker would turn it into +2
 * and a llama.cpp fork into 0. Neither is a ternary weight, so we refuse it:
 * `unpackHfRows` reports the first such byte and the reader turns that into an
 * error naming file, tensor and byte offset.
 */
import { pairsReadable } from './patternTrits.js';

/** Packed row count transformers uses for R logical rows. */
export function hfPackedRows(rows: number): number {
  return Math.ceil(rows / 4);
}

/** Packs ternary codes ([rows, cols] row-major, values −1/0/+1) into [ceil(rows/4), cols] bytes. */
export function packHfBitnet(codes: Int8Array, rows: number, cols: number, out?: Uint8Array): Uint8Array {
  const P = hfPackedRows(rows);
  const packed = out ?? new Uint8Array(P * cols);
  if (rows === 4 * P) {
    // Full slabs: one pass, each output byte written once from its four rows.
    const s1 = P * cols;
    const s2 = 2 * s1;
    const s3 = 3 * s1;
    for (let i = 0; i < s1; i++) {
      packed[i] = (codes[i]! + 1) | ((codes[s1 + i]! + 1) << 2) | ((codes[s2 + i]! + 1) << 4) | ((codes[s3 + i]! + 1) << 6);
    }
    return packed;
  }
  packed.fill(0, 0, P * cols);
  for (let slab = 0; slab < 4; slab++) {
    const shift = 2 * slab;
    const rowStart = slab * P;
    const rowEnd = Math.min(rowStart + P, rows);
    for (let row = rowStart; row < rowEnd; row++) {
      const src = row * cols;
      const dst = (row - rowStart) * cols;
      for (let c = 0; c < cols; c++) packed[dst + c]! |= (codes[src + c]! + 1) << shift;
    }
  }
  return packed;
}

/**
 * `packHfBitnet` from 16-bit patterns ([rows, cols] row-major, the first
 * rows·cols of `halves`); `stored` = stored code (trit + 1) of every pattern
 * (storedCodeTable). Same bytes as packing their codes; one pass, no code array.
 */
export function packHfBitnetFromPatterns(halves: Uint16Array, rows: number, cols: number, stored: Uint8Array, out?: Uint8Array): Uint8Array {
  if (halves.length < rows * cols) throw new RangeError('fewer patterns than rows × cols');
  const P = hfPackedRows(rows);
  const packed = out ?? new Uint8Array(P * cols);
  const s = stored;
  const h = halves;
  if (rows === 4 * P) {
    const s1 = P * cols;
    if (s1 % 2 === 0 && pairsReadable(halves)) {
      // Two output bytes per step from one 32-bit word of each slab.
      const pairs = new Uint32Array(halves.buffer, halves.byteOffset, 2 * s1);
      const q1 = s1 >>> 1;
      const q2 = 2 * q1;
      const q3 = 3 * q1;
      for (let k = 0; k < q1; k++) {
        const a = pairs[k]!;
        const b = pairs[q1 + k]!;
        const c = pairs[q2 + k]!;
        const d = pairs[q3 + k]!;
        packed[2 * k] = s[a & 0xffff]! | (s[b & 0xffff]! << 2) | (s[c & 0xffff]! << 4) | (s[d & 0xffff]! << 6);
        packed[2 * k + 1] = s[a >>> 16]! | (s[b >>> 16]! << 2) | (s[c >>> 16]! << 4) | (s[d >>> 16]! << 6);
      }
      return packed;
    }
    const s2 = 2 * s1;
    const s3 = 3 * s1;
    for (let i = 0; i < s1; i++) packed[i] = s[h[i]!]! | (s[h[s1 + i]!]! << 2) | (s[h[s2 + i]!]! << 4) | (s[h[s3 + i]!]! << 6);
    return packed;
  }
  packed.fill(0, 0, P * cols);
  for (let slab = 0; slab < 4; slab++) {
    const shift = 2 * slab;
    const rowStart = slab * P;
    const rowEnd = Math.min(rowStart + P, rows);
    for (let row = rowStart; row < rowEnd; row++) {
      const src = row * cols;
      const dst = (row - rowStart) * cols;
      for (let c = 0; c < cols; c++) packed[dst + c]! |= s[h[src + c]!]! << shift;
    }
  }
  return packed;
}

/**
 * Unpacks logical rows [rowStart, rowStart + rowCount) — all within one slab —
 * from `slabBytes`, which holds packed rows starting at `packedRowStart`.
 * Writes trits into `out` and returns the index in `slabBytes` of the first
 * byte whose relevant 2-bit field is 3, or −1.
 */
export function unpackHfSlabRows(
  slabBytes: Uint8Array,
  packedRowStart: number,
  packedRows: number,
  cols: number,
  rowStart: number,
  rowCount: number,
  out: Int8Array,
  outOffset = 0,
): number {
  const slab = Math.floor(rowStart / packedRows);
  const shift = 2 * slab;
  const firstPacked = rowStart - slab * packedRows;
  for (let k = 0; k < rowCount; k++) {
    const src = (firstPacked + k - packedRowStart) * cols;
    const dst = outOffset + k * cols;
    for (let c = 0; c < cols; c++) {
      const code = (slabBytes[src + c]! >> shift) & 3;
      if (code === 3) return src + c;
      out[dst + c] = code - 1;
    }
  }
  return -1;
}

/** Whole-matrix unpack into [4·P, cols] trits (the docstring semantics); throws on code 3 via the returned index. */
export function unpackHfBitnet(packed: Uint8Array, packedRows: number, cols: number): { codes: Int8Array; badByte: number } {
  const rows = 4 * packedRows;
  const codes = new Int8Array(rows * cols);
  for (let slab = 0; slab < 4; slab++) {
    const bad = unpackHfSlabRows(packed, 0, packedRows, cols, slab * packedRows, packedRows, codes, slab * packedRows * cols);
    if (bad >= 0) return { codes, badByte: bad };
  }
  return { codes, badByte: -1 };
}
