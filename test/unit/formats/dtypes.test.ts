import { describe, expect, it } from 'vitest';
import {
  bf16ToF32,
  decodeToFloat32,
  dtypeBytes,
  encodeFromFloat32,
  f16ToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  f8e4m3ToF32,
  f8e5m2ToF32,
  DTYPES,
} from '../../../src/core/formats/dtypes.js';
import { isBitnetLabError } from '../../../src/core/errors.js';

describe('dtype table', () => {
  it('has the spec sizes', () => {
    const expected: Record<string, number> = {
      F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, U16: 2, U32: 4, U64: 8, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
    };
    for (const [k, v] of Object.entries(expected)) expect(dtypeBytes(k), k).toBe(v);
  });
  it('rejects unknown names with a typed error', () => {
    try {
      dtypeBytes('F4');
      expect.unreachable();
    } catch (e) {
      expect(isBitnetLabError(e) && e.code).toBe('dtype');
    }
  });
  it('orders ranks like the Rust enum (BOOL lowest, U64 highest, F32 above U32)', () => {
    const r = (n: string): number => DTYPES.get(n)!.rank;
    expect(r('BOOL')).toBe(0);
    expect(r('U64')).toBe(Math.max(...[...DTYPES.values()].map((d) => d.rank)));
    expect(r('F32')).toBeGreaterThan(r('U32'));
    expect(r('BF16')).toBeGreaterThan(r('F16'));
  });
});

describe('IEEE half (F16) known answers', () => {
  it('decodes the textbook values', () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0x0400)).toBe(2 ** -14); // smallest normal
    expect(f16ToF32(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(f16ToF32(0x03ff)).toBe(1023 * 2 ** -24); // largest subnormal
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f16ToF32(0xfc00)).toBe(-Infinity);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
  });
  it('encode(decode(h)) == h for every non-NaN half', () => {
    for (let h = 0; h < 65536; h++) {
      const v = f16ToF32(h);
      if (Number.isNaN(v)) {
        expect(Number.isNaN(f16ToF32(f32ToF16Bits(v)))).toBe(true);
        continue;
      }
      if (f32ToF16Bits(v) !== h) expect(f32ToF16Bits(v), `h=0x${h.toString(16)}`).toBe(h);
    }
  });
  it('rounds ties to even and overflows to inf', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway 1 ↔ 1+2^-10: even is 1
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway, even is the upper one
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // halfway 65504 ↔ 2^16: even rounds up to inf
    expect(f32ToF16Bits(65519)).toBe(0x7bff);
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal units
    expect(f32ToF16Bits(-1e-30)).toBe(0x8000);
  });
  it('picks the nearest half (ties to even) for random floats, checked by brute-force search', () => {
    const positives: number[] = [];
    for (let h = 0; h <= 0x7c00; h++) positives.push(f16ToF32(h)); // ascending, ends with inf
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 3000; i++) {
      const x = Math.fround((rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 44 - 28) * (1 + rnd()));
      const ax = Math.abs(x);
      let lo = 0, hi = positives.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (positives[mid]! <= ax) lo = mid; else hi = mid;
      }
      let best: number;
      if (ax >= 65520) best = 0x7c00;
      else {
        const dl = ax - positives[lo]!, dh = positives[hi]! - ax;
        best = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
      }
      const expected = (x < 0 ? 0x8000 : 0) | best;
      expect(f32ToF16Bits(x), `x=${x}`).toBe(expected);
    }
  });
});

describe('bfloat16', () => {
  it('is the top half of a float32', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc040)).toBe(-3);
    expect(bf16ToF32(0x7f80)).toBe(Infinity);
    expect(bf16ToF32(0xff80)).toBe(-Infinity);
    expect(bf16ToF32(0x7fc0)).toBeNaN();
    expect(bf16ToF32(0x0001)).toBe(2 ** -133); // subnormal
  });
  it('encodes with round-to-nearest-even', () => {
    const bits = (u: number): number => new Float32Array(new Uint32Array([u]).buffer)[0]!;
    expect(f32ToBf16Bits(bits(0x3f808000))).toBe(0x3f80); // tie, even below
    expect(f32ToBf16Bits(bits(0x3f818000))).toBe(0x3f82); // tie, even above
    expect(f32ToBf16Bits(bits(0x3f808001))).toBe(0x3f81);
    expect(f32ToBf16Bits(bits(0x7f7fffff))).toBe(0x7f80); // max float rounds to inf
    expect(bf16ToF32(f32ToBf16Bits(NaN))).toBeNaN();
    for (let h = 0; h < 65536; h++) {
      const v = bf16ToF32(h);
      if (!Number.isNaN(v) && f32ToBf16Bits(v) !== h) expect(f32ToBf16Bits(v)).toBe(h);
    }
  });
});

describe('FP8 (OCP OFP8 v1.0 tables)', () => {
  it('E4M3 (FN): max 448, S.1111.111 NaN, no infinities', () => {
    expect(f8e4m3ToF32(0x38)).toBe(1);
    expect(f8e4m3ToF32(0x7e)).toBe(448);
    expect(f8e4m3ToF32(0xfe)).toBe(-448);
    expect(f8e4m3ToF32(0x7f)).toBeNaN();
    expect(f8e4m3ToF32(0xff)).toBeNaN();
    expect(f8e4m3ToF32(0x78)).toBe(256); // exponent 15 is a normal binade here
    expect(f8e4m3ToF32(0x08)).toBe(2 ** -6); // min normal
    expect(f8e4m3ToF32(0x01)).toBe(2 ** -9); // min subnormal
    expect(f8e4m3ToF32(0x07)).toBe(0.875 * 2 ** -6); // max subnormal
    let finite = 0;
    for (let b = 0; b < 256; b++) if (Number.isFinite(f8e4m3ToF32(b))) finite++;
    expect(finite).toBe(254);
  });
  it('E5M2: max 57344, inf and NaN like IEEE', () => {
    expect(f8e5m2ToF32(0x3c)).toBe(1);
    expect(f8e5m2ToF32(0x7b)).toBe(57344);
    expect(f8e5m2ToF32(0x7c)).toBe(Infinity);
    expect(f8e5m2ToF32(0xfc)).toBe(-Infinity);
    expect(f8e5m2ToF32(0x7d)).toBeNaN();
    expect(f8e5m2ToF32(0x04)).toBe(2 ** -14);
    expect(f8e5m2ToF32(0x01)).toBe(2 ** -16);
    // E5M2 is the top byte of an F16: every code must agree with the half decoder.
    for (let b = 0; b < 256; b++) {
      const a = f8e5m2ToF32(b), h = f16ToF32(b << 8);
      if (Number.isNaN(a)) expect(h).toBeNaN(); else expect(a).toBe(h);
    }
  });
});

describe('bulk decode', () => {
  const le = (n: number, bytesPer: number, set: (v: DataView, i: number) => void): Uint8Array => {
    const b = new Uint8Array(1 + n * bytesPer); // +1 so we can also test an odd offset
    const v = new DataView(b.buffer, 1);
    for (let i = 0; i < n; i++) set(v, i);
    return b;
  };
  it('decodes every dtype at an unaligned offset the same as aligned', () => {
    const cases: Array<[string, number, (v: DataView, i: number) => void, number[]]> = [
      ['F32', 4, (v, i) => v.setFloat32(i * 4, [1.5, -2, 3e38][i]!, true), [1.5, -2, Math.fround(3e38)]],
      ['F64', 8, (v, i) => v.setFloat64(i * 8, [0.1, -1e300, 7][i]!, true), [Math.fround(0.1), -Infinity, 7]],
      ['F16', 2, (v, i) => v.setUint16(i * 2, [0x3c00, 0x0001, 0xfc00][i]!, true), [1, 2 ** -24, -Infinity]],
      ['BF16', 2, (v, i) => v.setUint16(i * 2, [0x3f80, 0xc040, 0x7fc0][i]!, true), [1, -3, NaN]],
      ['I16', 2, (v, i) => v.setInt16(i * 2, [-32768, 5, 32767][i]!, true), [-32768, 5, 32767]],
      ['U16', 2, (v, i) => v.setUint16(i * 2, [65535, 0, 1][i]!, true), [65535, 0, 1]],
      ['I32', 4, (v, i) => v.setInt32(i * 4, [-(2 ** 31), 1, 16777217][i]!, true), [-(2 ** 31), 1, 16777216]],
      ['U32', 4, (v, i) => v.setUint32(i * 4, [2 ** 32 - 1, 0, 9][i]!, true), [2 ** 32, 0, 9]],
      ['I64', 8, (v, i) => v.setBigInt64(i * 8, [-1n, 2n ** 40n + 3n, -(2n ** 62n)][i]!, true), [-1, Math.fround(2 ** 40 + 3), -(2 ** 62)]],
      ['U64', 8, (v, i) => v.setBigUint64(i * 8, [2n ** 64n - 1n, 1n, 2n ** 33n][i]!, true), [2 ** 64, 1, 2 ** 33]],
      ['I8', 1, (v, i) => v.setInt8(i, [-128, 127, -1][i]!), [-128, 127, -1]],
      ['U8', 1, (v, i) => v.setUint8(i, [255, 0, 7][i]!), [255, 0, 7]],
      ['BOOL', 1, (v, i) => v.setUint8(i, [1, 0, 1][i]!), [1, 0, 1]],
      ['F8_E4M3', 1, (v, i) => v.setUint8(i, [0x7e, 0x7f, 0x38][i]!), [448, NaN, 1]],
      ['F8_E5M2', 1, (v, i) => v.setUint8(i, [0x7c, 0x3c, 0x01][i]!), [Infinity, 1, 2 ** -16]],
    ];
    for (const [dtype, size, set, expected] of cases) {
      const src = le(3, size, set);
      const unaligned = new Float32Array(3);
      decodeToFloat32(dtype, src, 1, 3, unaligned);
      const copy = new Uint8Array(3 * size);
      copy.set(src.subarray(1));
      const aligned = new Float32Array(4);
      decodeToFloat32(dtype, copy, 0, 3, aligned, 1);
      for (let i = 0; i < 3; i++) {
        const e = Math.fround(expected[i]!);
        if (Number.isNaN(e)) {
          expect(unaligned[i], `${dtype}[${i}]`).toBeNaN();
          expect(aligned[i + 1], `${dtype}[${i}]`).toBeNaN();
        } else {
          expect(unaligned[i], `${dtype}[${i}] unaligned`).toBe(e);
          expect(aligned[i + 1], `${dtype}[${i}] aligned`).toBe(e);
        }
      }
    }
  });
  it('refuses to read past the source', () => {
    expect(() => decodeToFloat32('F32', new Uint8Array(7), 0, 2, new Float32Array(2))).toThrow(RangeError);
  });
  it('encodes F32/F16/BF16 little-endian', () => {
    expect([...encodeFromFloat32('F16', [1, -2])]).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    expect([...encodeFromFloat32('BF16', [1, -3])]).toEqual([0x80, 0x3f, 0x40, 0xc0]);
    expect([...encodeFromFloat32('F32', [1])]).toEqual([0, 0, 0x80, 0x3f]);
  });
});
