import { describe, expect, it } from 'vitest';
import { packHfBitnet, unpackHfBitnet } from '../../../src/core/formats/ternary/hfBitnetPack.js';
import { decodeTq1_0, decodeTq1_0Codes, encodeTq1_0, tq1DecodeDigit, tq1EncodeByte } from '../../../src/core/formats/ternary/tq1_0.js';
import { GGML_TYPE, i2sBytes } from '../../../src/core/formats/gguf/ggmlTypes.js';
import { decodeQ8_0, encodeQ8_0 } from '../../../src/core/formats/ternary/q8_0.js';
import { decodeTq2_0, decodeTq2_0Codes, encodeTq2_0 } from '../../../src/core/formats/ternary/tq2_0.js';
import { decodeI2s, decodeI2sCodes, encodeI2s } from '../../../src/core/formats/ternary/i2s.js';
import { f16ToF32, f32ToF16Bits } from '../../../src/core/formats/dtypes.js';

/** Deterministic pseudo-random trits (xorshift), so failures reproduce. */
function randomTrits(n: number, seed = 1): Int8Array {
  let s = seed >>> 0 || 1;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s % 3) - 1;
  }
  return out;
}

describe('HF BitNet pack/unpack (bitnet-reference §4a)', () => {
  it('reproduces the transformers unpack_weights docstring vector', () => {
    const packed = new Uint8Array([0b10100001, 0b00011000, 0b10010000, 0b00001010]);
    const { codes, badByte } = unpackHfBitnet(packed, 2, 2);
    expect(badByte).toBe(-1);
    const expected = [[0, -1], [-1, 1], [-1, 1], [-1, 1], [1, 0], [0, -1], [1, -1], [1, -1]];
    expect(Array.from(codes)).toEqual(expected.flat());
  });

  it('packs the docstring matrix back into the docstring bytes', () => {
    const codes = Int8Array.from([[0, -1], [-1, 1], [-1, 1], [-1, 1], [1, 0], [0, -1], [1, -1], [1, -1]].flat());
    expect(Array.from(packHfBitnet(codes, 8, 2))).toEqual([0b10100001, 0b00011000, 0b10010000, 0b00001010]);
  });

  it('places logical row i·P + r in packed row r, bits 2i+1:2i (independent formula)', () => {
    const rows = 12, cols = 5, P = 3;
    const codes = randomTrits(rows * cols, 7);
    const packed = packHfBitnet(codes, rows, cols);
    for (let row = 0; row < rows; row++) {
      for (let c = 0; c < cols; c++) {
        const field = (packed[(row % P) * cols + c]! >> (2 * Math.floor(row / P))) & 3;
        expect(field - 1).toBe(codes[row * cols + c]);
      }
    }
    expect(Array.from(unpackHfBitnet(packed, P, cols).codes)).toEqual(Array.from(codes));
  });

  it('packs a row count that is not a multiple of 4 like transformers (ceil(R/4) packed rows, short last slab)', () => {
    const rows = 10, cols = 3, P = 3;
    const codes = randomTrits(rows * cols, 13);
    const packed = packHfBitnet(codes, rows, cols);
    expect(packed.length).toBe(P * cols);
    for (let r = 0; r < P; r++) {
      for (let c = 0; c < cols; c++) {
        for (let slab = 0; slab < 4; slab++) {
          const row = slab * P + r;
          const field = (packed[r * cols + c]! >> (2 * slab)) & 3;
          expect(field).toBe(row < rows ? codes[row * cols + c]! + 1 : 0);
        }
      }
    }
  });

  it('reports the first byte holding code 3', () => {
    const packed = new Uint8Array([0x55, 0x55, 0x55, 0x55 | 0b11000000]);
    expect(unpackHfBitnet(packed, 2, 2).badByte).toBe(3);
  });
});

describe('TQ1_0 base-3 packing (bitnet-reference §4b)', () => {
  it('encodes (2,1,0,2,1) as q = 196 → byte 207', () => {
    expect(tq1EncodeByte(2 * 81 + 1 * 27 + 0 * 9 + 2 * 3 + 1)).toBe(207);
  });

  it('round-trips all 243 five-trit groups', () => {
    for (let q = 0; q < 243; q++) {
      const byte = tq1EncodeByte(q);
      expect(byte).toBeGreaterThanOrEqual(0);
      expect(byte).toBeLessThanOrEqual(255);
      const digits = [0, 1, 2, 3, 4].map((n) => tq1DecodeDigit(byte, n));
      const expected = [4, 3, 2, 1, 0].map((p) => Math.floor(q / 3 ** p) % 3);
      expect(digits).toEqual(expected);
    }
  });

  it('round-trips all 81 four-trit groups (qh: implicit trailing zero digit)', () => {
    for (let q4 = 0; q4 < 81; q4++) {
      const byte = tq1EncodeByte(q4 * 3);
      const digits = [0, 1, 2, 3].map((n) => tq1DecodeDigit(byte, n));
      expect(digits).toEqual([3, 2, 1, 0].map((p) => Math.floor(q4 / 3 ** p) % 3));
    }
  });

  it('is 54 bytes per 256 weights with d (fp16) last, and decodes back exactly', () => {
    expect(GGML_TYPE.TQ1_0.blockBytes).toBe(54);
    const codes = randomTrits(512, 3);
    const buf = new Uint8Array(2 * 54);
    const dBits = f32ToF16Bits(0.0123);
    encodeTq1_0(codes, 0, 2, dBits, buf, 0);
    expect(buf[52]! | (buf[53]! << 8)).toBe(dBits);
    expect(buf[54 + 52]! | (buf[54 + 53]! << 8)).toBe(dBits);
    const back = new Int8Array(512);
    const ds = new Uint16Array(2);
    decodeTq1_0Codes(buf, 0, 2, back, 0, ds);
    expect(Array.from(back)).toEqual(Array.from(codes));
    expect(Array.from(ds)).toEqual([dBits, dBits]);
    const vals = new Float32Array(512);
    decodeTq1_0(buf, 0, 2, vals, 0, f16ToF32);
    const d = f16ToF32(dBits);
    for (let i = 0; i < 512; i++) expect(vals[i]).toBe(Math.fround(codes[i]! * d));
  });

  it('puts element 32n+m in byte m, 160+16n+m in byte 32+m, 240+4n+j in qh[j]', () => {
    const codes = randomTrits(256, 11);
    const buf = new Uint8Array(54);
    encodeTq1_0(codes, 0, 1, 0, buf, 0);
    for (let i = 0; i < 256; i++) {
      let byte: number, n: number;
      if (i < 160) { byte = i % 32; n = Math.floor(i / 32); }
      else if (i < 240) { byte = 32 + ((i - 160) % 16); n = Math.floor((i - 160) / 16); }
      else { byte = 48 + ((i - 240) % 4); n = Math.floor((i - 240) / 4); }
      expect(tq1DecodeDigit(buf[byte]!, n) - 1).toBe(codes[i]);
    }
  });
});

describe('TQ2_0 (bitnet-reference §4b)', () => {
  it('is 66 bytes per 256 with element 128c+32n+m in byte 32c+m bits 2n+1:2n', () => {
    expect(GGML_TYPE.TQ2_0.blockBytes).toBe(66);
    const codes = randomTrits(256, 5);
    const buf = new Uint8Array(66);
    const dBits = f32ToF16Bits(-0.5);
    encodeTq2_0(codes, 0, 1, dBits, buf, 0);
    for (let i = 0; i < 256; i++) {
      const c = Math.floor(i / 128), n = Math.floor((i % 128) / 32), m = i % 32;
      expect(((buf[32 * c + m]! >> (2 * n)) & 3) - 1).toBe(codes[i]);
    }
    expect(buf[64]! | (buf[65]! << 8)).toBe(dBits);
    const back = new Int8Array(256);
    decodeTq2_0Codes(buf, 0, 1, back, 0);
    expect(Array.from(back)).toEqual(Array.from(codes));
    const vals = new Float32Array(256);
    decodeTq2_0(buf, 0, 1, vals, 0, f16ToF32);
    for (let i = 0; i < 256; i++) expect(vals[i]).toBe(codes[i]! * -0.5);
  });

  it('first byte of an all-(+1,0,−1,−1) group has the low bits for the first element', () => {
    const codes = new Int8Array(256);
    codes[0] = 1; codes[32] = 0; codes[64] = -1; codes[96] = -1;
    const buf = new Uint8Array(66);
    encodeTq2_0(codes, 0, 1, 0, buf, 0);
    expect(buf[0]).toBe(0b00_00_01_10);
  });
});

describe('I2_S x86 layout (bitnet-reference §4c)', () => {
  it('holds gp, gp+32, gp+64, gp+96 in bits 7:6, 5:4, 3:2, 1:0 and a trailing float32 scale', () => {
    const n = 256;
    const codes = randomTrits(n, 9);
    const bytes = encodeI2s(codes, n, 1.75);
    expect(bytes.length).toBe(n / 4 + 32);
    expect(i2sBytes(n)).toBe(96);
    for (let i = 0; i < n; i++) {
      const b = Math.floor(i / 128), r = i % 128, gp = r % 32, k = Math.floor(r / 32);
      expect((bytes[32 * b + gp]! >> (6 - 2 * k)) & 3).toBe(codes[i]! + 1);
    }
    expect(new DataView(bytes.buffer).getFloat32(n / 4, true)).toBe(1.75);
    expect(Array.from(bytes.subarray(n / 4 + 4))).toEqual(new Array(28).fill(0));
    const back = new Int8Array(n);
    decodeI2sCodes(bytes, 0, 2, back, 0);
    expect(Array.from(back)).toEqual(Array.from(codes));
    const vals = new Float32Array(n);
    decodeI2s(bytes, 0, 2, 1.75, vals, 0);
    for (let i = 0; i < n; i++) expect(vals[i]).toBe(codes[i]! * 1.75);
  });

  it('is the reverse bit order of TQ2_0: (+1,0,−1,−1) → 0b10_01_00_00', () => {
    const codes = new Int8Array(128);
    codes[0] = 1; codes[32] = 0; codes[64] = -1; codes[96] = -1;
    expect(encodeI2s(codes, 128, 1)[0]).toBe(0b10_01_00_00);
  });
});

describe('Q8_0 decode', () => {
  it('reads d (fp16) first, then 32 signed bytes', () => {
    const buf = new Uint8Array(34);
    const dBits = f32ToF16Bits(0.25);
    buf[0] = dBits & 0xff; buf[1] = dBits >> 8;
    for (let i = 0; i < 32; i++) buf[2 + i] = (i * 8 -128) & 0xff;
    const out = new Float32Array(32);
    decodeQ8_0(buf, 0, 1, out, 0, f16ToF32);
    for (let i = 0; i < 32; i++) expect(out[i]).toBe((i * 8 -128) * 0.25);
  });
});

describe('Q8_0 encoder (ggml-quants.c quantize_row_q8_0_ref)', () => {
  it('d = max|x|/127 in fp16 first, qs = roundf(x/d) with halves away from zero, and decodes back', () => {
    const x = new Float32Array(32);
    x.set([127, 0.5, -0.5, 2.5, -1.5, -127, 3.25]);
    const buf = new Uint8Array(GGML_TYPE.Q8_0.blockBytes);
    encodeQ8_0(x, 1, buf, 0, f32ToF16Bits);
    expect(buf[0]! | (buf[1]! << 8)).toBe(f32ToF16Bits(1));
    expect(Array.from(new Int8Array(buf.buffer, 2, 7))).toEqual([127, 1, -1, 3, -2, -127, 3]);
    const back = new Float32Array(32);
    decodeQ8_0(buf, 0, 1, back, 0, f16ToF32);
    expect(Array.from(back.subarray(0, 7))).toEqual([127, 1, -1, 3, -2, -127, 3]);
    // An all-zero block has d = 0 and zero codes (id = 0, no division by zero).
    encodeQ8_0(new Float32Array(32), 1, buf, 0, f32ToF16Bits);
    expect(Array.from(buf)).toEqual(new Array(34).fill(0));
  });
});
