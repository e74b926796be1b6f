/**
 * Packing ternary codes into the kernel's 2-bit layout, and back.
 *
 * Layout (the WAT kernel's header says the same): each code is stored as
 * c = Q + 1 ∈ {0, 1, 2} in 2 bits (bitnet.cpp's I2_S coding, so a byte dot
 * product with unsigned codes works; bitnet-reference.md §4c). A row of `in`
 * weights is split into blocks of 64 inputs, 16 bytes each: weight k of a
 * block sits in byte lane k mod 16, bits 2·⌊k/16⌋ … 2·⌊k/16⌋+1. Rows come in
 * groups of four, interleaved block by block: group g, block b, row 4g + i is
 * at byte ((g · blocks + b) · 4 + i) · 16. Padding (inputs past `in`, rows
 * past `out` up to a multiple of four) holds code 1, weight 0.
 * 2 bits per weight, plus that padding.
 */
import { BitnetLabError } from '../errors.js';

export const BLOCK_INPUTS = 64;
export const BLOCK_BYTES = 16;
/** Rows the kernel walks at once; matrices are padded to a multiple of it. */
export const ROW_GROUP = 4;
/** A byte of four zero weights (code 1 in each 2-bit field). */
export const ZERO_CODES_BYTE = 0x55;
/** Largest packed matrix we agree to build (wasm32 memory also holds activations). */
export const MAX_PACKED_BYTES = 2 ** 31;
/** int32 accumulators hold 127 · in without overflow up to in = 2^24. */
export const MAX_IN_FEATURES = 2 ** 24;

export function blocksPerRow(inFeatures: number): number {
  return Math.ceil(inFeatures / BLOCK_INPUTS);
}

export function paddedRows(out: number): number {
  return Math.ceil(out / ROW_GROUP) * ROW_GROUP;
}

export function packedBytes(out: number, inFeatures: number): number {
  return paddedRows(out) * blocksPerRow(inFeatures) * BLOCK_BYTES;
}

export function checkShape(out: number, inFeatures: number, what = 'ternary matrix'): void {
  if (!Number.isSafeInteger(out) || !Number.isSafeInteger(inFeatures) || out < 1 || inFeatures < 1) {
    throw new BitnetLabError('usage', `${what}: shape [${out}, ${inFeatures}] must be positive integers`);
  }
  if (inFeatures > MAX_IN_FEATURES) {
    throw new BitnetLabError('limit', `${what}: ${inFeatures} inputs would overflow the int32 accumulators (limit ${MAX_IN_FEATURES})`);
  }
  if (packedBytes(out, inFeatures) > MAX_PACKED_BYTES) {
    throw new BitnetLabError('limit', `${what}: [${out}, ${inFeatures}] packs to more than ${MAX_PACKED_BYTES} bytes`);
  }
}

/** Byte offset of (row r, block b) in a matrix with `blocks` blocks per row. */
export function blockOffset(r: number, b: number, blocks: number): number {
  return ((((r >> 2) * blocks + b) << 2) + (r & 3)) * BLOCK_BYTES;
}

/** codes: row-major [out, in], each −1, 0 or +1. `into` (packedBytes long) receives the result if given. */
export function packTernary(codes: Int8Array, out: number, inFeatures: number, into?: Uint8Array): Uint8Array {
  checkShape(out, inFeatures);
  if (codes.length !== out * inFeatures) {
    throw new BitnetLabError('layout', `ternary codes: ${codes.length} values for shape [${out}, ${inFeatures}]`);
  }
  const blocks = blocksPerRow(inFeatures);
  const packed = into ?? new Uint8Array(packedBytes(out, inFeatures));
  if (packed.length !== packedBytes(out, inFeatures)) {
    throw new BitnetLabError('usage', `ternary packing: ${packed.length} bytes of room for ${packedBytes(out, inFeatures)}`);
  }
  packed.fill(ZERO_CODES_BYTE);
  const full = Math.floor(inFeatures / BLOCK_INPUTS);
  for (let r = 0; r < out; r++) {
    const rowCodes = r * inFeatures;
    // Whole blocks: four codes per byte, checked all at once (c + 1 ∈ {0, 1, 2}).
    for (let b = 0; b < full; b++) {
      const at = blockOffset(r, b, blocks);
      const j0 = rowCodes + b * BLOCK_INPUTS;
      let bad = 0;
      for (let i = 0; i < 16; i++) {
        const c0 = codes[j0 + i]! + 1;
        const c1 = codes[j0 + 16 + i]! + 1;
        const c2 = codes[j0 + 32 + i]! + 1;
        const c3 = codes[j0 + 48 + i]! + 1;
        // A valid c + 1 has no bit above bit 1 and is not 3.
        bad |= (c0 & ~3) | (c0 & (c0 >> 1) & 1) | (c1 & ~3) | (c1 & (c1 >> 1) & 1)
          | (c2 & ~3) | (c2 & (c2 >> 1) & 1) | (c3 & ~3) | (c3 & (c3 >> 1) & 1);
        packed[at + i] = c0 | (c1 << 2) | (c2 << 4) | (c3 << 6);
      }
      if (bad !== 0) badCode(codes, r, inFeatures, b * BLOCK_INPUTS, BLOCK_INPUTS);
    }
    // The last, partial block: one code at a time over the zero-weight fill.
    if (full < blocks) {
      const at = blockOffset(r, full, blocks);
      const j0 = full * BLOCK_INPUTS;
      badCode(codes, r, inFeatures, j0, inFeatures - j0);
      for (let k = 0; k < inFeatures - j0; k++) {
        const shift = (k >> 4) << 1;
        packed[at + (k & 15)] = (packed[at + (k & 15)]! & ~(3 << shift)) | ((codes[rowCodes + j0 + k]! + 1) << shift);
      }
    }
  }
  return packed;
}

/** Throws for the first code in row r, columns [j0, j0 + n), that is not −1, 0 or +1. */
function badCode(codes: Int8Array, r: number, inFeatures: number, j0: number, n: number): void {
  for (let j = j0; j < j0 + n; j++) {
    const c = codes[r * inFeatures + j]!;
    if (c !== 0 && c !== 1 && c !== -1) {
      throw new BitnetLabError('layout', `ternary codes: value ${c} at row ${r}, column ${j} is not −1, 0 or +1`);
    }
  }
}

export function unpackTernary(packed: Uint8Array, out: number, inFeatures: number): Int8Array {
  checkShape(out, inFeatures);
  const blocks = blocksPerRow(inFeatures);
  if (packed.length !== packedBytes(out, inFeatures)) {
    throw new BitnetLabError('layout', `packed ternary: ${packed.length} bytes for shape [${out}, ${inFeatures}]`);
  }
  const codes = new Int8Array(out * inFeatures);
  for (let r = 0; r < out; r++) {
    for (let j = 0; j < inFeatures; j++) {
      const b = (j / BLOCK_INPUTS) | 0;
      const k = j - b * BLOCK_INPUTS;
      const c = (packed[blockOffset(r, b, blocks) + (k & 15)]! >> ((k >> 4) << 1)) & 3;
      if (c === 3) throw new BitnetLabError('layout', `packed ternary: code 3 at row ${r}, column ${j}`);
      codes[r * inFeatures + j] = c - 1;
    }
  }
  return codes;
}
