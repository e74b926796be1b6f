import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, blocksPerRow, packTernary, unpackTernary } from '../../../src/core/kernels/packing.js';
import { BitnetLabError } from '../../../src/core/errors.js';
import { randomCodes, rng } from './rng.js';

describe('bitplane packing', () => {
  it('round-trips random codes for awkward shapes', () => {
    const next = rng(3);
    for (const [out, inF] of [[1, 1], [5, 3], [33, 127], [2, 129], [3, 1000]] as const) {
      const codes = randomCodes(out * inF, next);
      const packed = packTernary(codes, out, inF);
      expect(packed.length).toBe(out * blocksPerRow(inF) * BLOCK_BYTES);
      expect(Array.from(unpackTernary(packed, out, inF))).toEqual(Array.from(codes));
    }
  });

  it('puts weight k of a block in lane k mod 16, bit 7 − ⌊k/16⌋ (documented layout)', () => {
    const codes = new Int8Array(130);
    codes[0] = 1; // lane 0, bit 7 of the nonzero plane
    codes[17] = -1; // lane 1, bit 6 of both planes
    codes[129] = 1; // second block, lane 1, bit 7
    const p = packTernary(codes, 1, 130);
    const expected = new Uint8Array(64);
    expected[0] = 0x80;
    expected[1] = 0x40;
    expected[16 + 1] = 0x40;
    expected[32 + 1] = 0x80;
    expect(Array.from(p)).toEqual(Array.from(expected));
  });

  it('rejects codes outside {−1, 0, +1} and mismatched lengths with a typed error', () => {
    expect(() => packTernary(Int8Array.from([0, 2]), 1, 2)).toThrow(BitnetLabError);
    expect(() => packTernary(new Int8Array(5), 2, 3)).toThrow(/6|shape/);
    expect(() => packTernary(new Int8Array(0), 0, 3)).toThrow(BitnetLabError);
  });
});
