import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, blocksPerRow, packTernary, paddedRows, unpackTernary } from '../../../src/core/kernels/packing.js';
import { BitnetLabError } from '../../../src/core/errors.js';
import { randomCodes, rng } from './rng.js';

describe('2-bit code packing', () => {
  it('round-trips random codes for awkward shapes', () => {
    const next = rng(3);
    for (const [out, inF] of [[1, 1], [5, 3], [33, 127], [2, 129], [3, 1000]] as const) {
      const codes = randomCodes(out * inF, next);
      const packed = packTernary(codes, out, inF);
      expect(packed.length).toBe(paddedRows(out) * blocksPerRow(inF) * BLOCK_BYTES);
      expect(Array.from(unpackTernary(packed, out, inF))).toEqual(Array.from(codes));
    }
  });

  it('stores c = Q + 1 of weight k in lane k mod 16, bits 2·⌊k/16⌋, rows interleaved in fours (documented layout)', () => {
    // 2 rows × 130 inputs: 3 blocks of 64 per row, rows padded to 4, one group.
    const codes = new Int8Array(2 * 130);
    codes[0] = 1; // row 0, block 0, lane 0, bits 0–1 → code 2
    codes[17] = -1; // row 0, block 0, lane 1, bits 2–3 → code 0
    codes[130 + 64 + 50] = 1; // row 1, block 1, k = 50: lane 2, bits 6–7 → code 2
    const p = packTernary(codes, 2, 130);
    const expected = new Uint8Array(4 * 3 * 16).fill(0x55); // every field code 1 = weight 0, padding included
    expected[0] = 0x56;
    expected[1] = 0x51;
    // group 0, block 1 starts at 4 · 16 = 64 bytes; row 1 of the group 16 bytes further
    expected[64 + 16 + 2] = 0x95;
    expect(Array.from(p)).toEqual(Array.from(expected));
  });

  it('rejects codes outside {−1, 0, +1} and mismatched lengths with a typed error', () => {
    expect(() => packTernary(Int8Array.from([0, 2]), 1, 2)).toThrow(BitnetLabError);
    expect(() => packTernary(new Int8Array(5), 2, 3)).toThrow(/6|shape/);
    expect(() => packTernary(new Int8Array(0), 0, 3)).toThrow(BitnetLabError);
  });
});
