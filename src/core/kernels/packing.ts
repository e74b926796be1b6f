/**
 * Packing ternary codes into the kernel's 2-bit "bitplane" layout, and back.
 *
 * Layout (the WAT kernel's header says the same): each row of `in` weights is
 * split into blocks of 128 inputs, the last zero-padded. A block is 32 bytes:
 * 16 bytes NONZERO plane, then 16 bytes SIGN plane (1 = −1). Weight k of a
 * block sits in byte lane k mod 16, bit 7 − ⌊k/16⌋. Rows are consecutive.
 * 2 bits per weight, plus the padding of the last block of each row.
 */
import { BitnetLabError } from '../errors.js';

export const BLOCK_INPUTS = 128;
export const BLOCK_BYTES = 32;
/** Largest packed matrix we agree to build (wasm32 memory also holds activations). */
export const MAX_PACKED_BYTES = 2 ** 31;
/** int32 accumulators hold 127 · in without overflow up to in = 2^24. */
export const MAX_IN_FEATURES = 2 ** 24;

export function blocksPerRow(inFeatures: number): number {
  return Math.ceil(inFeatures / BLOCK_INPUTS);
}

export function packedBytes(out: number, inFeatures: number): number {
  return out * blocksPerRow(inFeatures) * BLOCK_BYTES;
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

/** codes: row-major [out, in], each −1, 0 or +1. */
export function packTernary(codes: Int8Array, out: number, inFeatures: number): Uint8Array {
  checkShape(out, inFeatures);
  if (codes.length !== out * inFeatures) {
    throw new BitnetLabError('layout', `ternary codes: ${codes.length} values for shape [${out}, ${inFeatures}]`);
  }
  const blocks = blocksPerRow(inFeatures);
  const packed = new Uint8Array(out * blocks * BLOCK_BYTES);
  for (let r = 0; r < out; r++) {
    const rowCodes = r * inFeatures;
    const rowBytes = r * blocks * BLOCK_BYTES;
    for (let j = 0; j < inFeatures; j++) {
      const c = codes[rowCodes + j]!;
      if (c === 0) continue;
      if (c !== 1 && c !== -1) {
        throw new BitnetLabError('layout', `ternary codes: value ${c} at row ${r}, column ${j} is not −1, 0 or +1`);
      }
      const b = (j / BLOCK_INPUTS) | 0;
      const k = j - b * BLOCK_INPUTS;
      const lane = k & 15;
      const bit = 0x80 >> (k >> 4);
      const at = rowBytes + b * BLOCK_BYTES + lane;
      packed[at] |= bit;
      if (c < 0) packed[at + 16] |= bit;
    }
  }
  return packed;
}

export function unpackTernary(packed: Uint8Array, out: number, inFeatures: number): Int8Array {
  checkShape(out, inFeatures);
  const blocks = blocksPerRow(inFeatures);
  if (packed.length !== out * blocks * BLOCK_BYTES) {
    throw new BitnetLabError('layout', `packed ternary: ${packed.length} bytes for shape [${out}, ${inFeatures}]`);
  }
  const codes = new Int8Array(out * inFeatures);
  for (let r = 0; r < out; r++) {
    for (let j = 0; j < inFeatures; j++) {
      const b = (j / BLOCK_INPUTS) | 0;
      const k = j - b * BLOCK_INPUTS;
      const bit = 0x80 >> (k >> 4);
      const at = (r * blocks + b) * BLOCK_BYTES + (k & 15);
      if (packed[at]! & bit) codes[r * inFeatures + j] = packed[at + 16]! & bit ? -1 : 1;
    }
  }
  return codes;
}
