// The pattern-based encoders (…FromPatterns) against the code-based ones: for
// random BF16/F16 patterns, NaN/±Inf included, mapping each pattern to its
// code (codeTable16) and encoding the codes must give the very bytes the
// pattern encoders write from the patterns and a stored-code table. The
// code-based encoders are pinned by known-answer vectors in ternaryCodecs.test.ts.
import { describe, expect, it } from 'vitest';
import { packHfBitnet, packHfBitnetFromPatterns } from '../../../src/core/formats/ternary/hfBitnetPack.js';
import { encodeI2s, encodeI2sFromPatterns } from '../../../src/core/formats/ternary/i2s.js';
import { i2sBytes } from '../../../src/core/formats/gguf/ggmlTypes.js';
import { storedCodeTable } from '../../../src/core/formats/ternary/patternTrits.js';
import { encodeTq1_0, encodeTq1_0FromPatterns } from '../../../src/core/formats/ternary/tq1_0.js';
import { encodeTq2_0, encodeTq2_0FromPatterns } from '../../../src/core/formats/ternary/tq2_0.js';
import { codeTable16, type Half16Kind } from '../../../src/core/quant/histogram16.js';

/** Non-finite patterns of each kind: ±Inf and quiet/signalling NaNs of both signs. */
const NON_FINITE: Record<Half16Kind, number[]> = {
  bf16: [0x7f80, 0xff80, 0x7fc0, 0xffc0, 0x7f81, 0xffff],
  f16: [0x7c00, 0xfc00, 0x7e00, 0xfe00, 0x7c01, 0xffff],
};

/** Weight-like patterns around the threshold (exponents near 2^-6), with zeros, ±0 and non-finite ones sprinkled in. */
function patterns(kind: Half16Kind, n: number, seed: number): Uint16Array {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    const sign = (r >>> 31) << 15;
    if (r % 97 === 0) out[i] = NON_FINITE[kind][r % 6]!;
    else if (r % 89 === 0) out[i] = sign;
    else if (kind === 'bf16') out[i] = sign | ((118 + ((r >>> 8) % 5)) << 7) | (r & 0x7f);
    else out[i] = sign | ((7 + ((r >>> 8) % 5)) << 10) | (r & 0x3ff);
  }
  return out;
}

function codesOf(halves: Uint16Array, codeOf: Int8Array): Int8Array {
  const codes = new Int8Array(halves.length);
  for (let i = 0; i < halves.length; i++) codes[i] = codeOf[halves[i]!]!;
  return codes;
}

/** Same patterns at byte offset 2 of a buffer: the encoders' non-pair (scalar) path. */
function misaligned(halves: Uint16Array): Uint16Array {
  const buf = new Uint16Array(halves.length + 1);
  buf.set(halves, 1);
  return buf.subarray(1);
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

// Thresholds: the median-ish |W| of the generated data (many codes of each sign), and 'sign' (no zero codes for finite values).
const CASES: Array<{ kind: Half16Kind; t: number; rule: 'ternary' | 'sign' }> = [
  { kind: 'bf16', t: 2 ** -7, rule: 'ternary' },
  { kind: 'f16', t: 2 ** -6, rule: 'ternary' },
  { kind: 'bf16', t: 0.001, rule: 'sign' },
  { kind: 'f16', t: -0.002, rule: 'sign' },
];

describe.each(CASES)('pattern encoders = code encoders ($kind, $rule, t = $t)', ({ kind, t, rule }) => {
  const codeOf = codeTable16(kind, t, rule);
  const stored = storedCodeTable(codeOf);

  it('the stored-code table is trit + 1, and non-finite patterns store 1 (trit 0)', () => {
    for (let b = 0; b < 65536; b += 257) expect(stored[b]).toBe(codeOf[b]! + 1);
    for (const p of NON_FINITE[kind]) expect(stored[p]).toBe(1);
    // The data must exercise every code, or the comparisons below prove little.
    expect(new Set(codesOf(patterns(kind, 4096, 3), codeOf))).toEqual(new Set([-1, 0, 1]));
  });

  it.each([1, 2, 5])('TQ2_0 and TQ1_0, %i blocks (aligned and misaligned patterns)', (nBlocks) => {
    const halves = patterns(kind, nBlocks * 256, 11 + nBlocks);
    const codes = codesOf(halves, codeOf);
    const dBits = 0x2e66;
    for (const [encode, fromPatterns, blockBytes] of [
      [encodeTq2_0, encodeTq2_0FromPatterns, 66],
      [encodeTq1_0, encodeTq1_0FromPatterns, 54],
    ] as const) {
      // Offset 3 in the output: blocks need not start word-aligned there.
      const want = new Uint8Array(3 + nBlocks * blockBytes).fill(0xa5);
      encode(codes, 0, nBlocks, dBits, want, 3);
      for (const h of [halves, misaligned(halves)]) {
        const got = new Uint8Array(3 + nBlocks * blockBytes).fill(0xa5);
        fromPatterns(h, nBlocks, stored, dBits, got, 3);
        expect(firstDiff(got, want)).toBe(-1);
      }
    }
  });

  it.each([128, 384, 1024])('I2_S, %i values, into a dirty reused buffer', (n) => {
    const halves = patterns(kind, n, 5 + n);
    const want = encodeI2s(codesOf(halves, codeOf), n, 0.0123);
    for (const h of [halves, misaligned(halves)]) {
      const got = encodeI2sFromPatterns(h, n, stored, 0.0123, new Uint8Array(i2sBytes(n)).fill(0xff));
      expect(firstDiff(got, want)).toBe(-1);
    }
  });

  // rows·cols/4 even → pair path; odd slab size → scalar path; rows % 4 ≠ 0 → the short-last-slab path.
  it.each([[8, 6], [12, 5], [4, 1], [10, 3], [7, 9], [1, 4], [13, 256]])('HF pack, %i × %i', (rows, cols) => {
    const halves = patterns(kind, rows * cols, rows * 31 + cols);
    const want = packHfBitnet(codesOf(halves, codeOf), rows, cols);
    for (const h of [halves, misaligned(halves)]) {
      const got = packHfBitnetFromPatterns(h, rows, cols, stored, new Uint8Array(want.length).fill(0xff));
      expect(firstDiff(got, want)).toBe(-1);
    }
  });
});

describe('pattern encoders refuse short input', () => {
  const stored = new Uint8Array(65536).fill(1);
  it('throws RangeError instead of reading past the patterns', () => {
    expect(() => encodeTq2_0FromPatterns(new Uint16Array(255), 1, stored, 0, new Uint8Array(66), 0)).toThrow(RangeError);
    expect(() => encodeTq1_0FromPatterns(new Uint16Array(255), 1, stored, 0, new Uint8Array(54), 0)).toThrow(RangeError);
    expect(() => encodeI2sFromPatterns(new Uint16Array(127), 128, stored, 1)).toThrow(RangeError);
    expect(() => packHfBitnetFromPatterns(new Uint16Array(7), 4, 2, stored)).toThrow(RangeError);
  });
});
