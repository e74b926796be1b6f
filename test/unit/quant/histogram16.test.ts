import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from '../../../src/core/formats/dtypes.js';
import { ternaryCodesByThreshold } from '../../../src/core/quant/absmean.js';
import {
  absmeanGammaOfHistogram16,
  codeTable16,
  Half16Histogram,
  lowerMedianAbsOfHistogram16,
  mapHalvesToCodes,
  quantizeHalves16,
  type Half16Kind,
} from '../../../src/core/quant/histogram16.js';
import { quantizeWeights } from '../../../src/core/quant/quantize.js';
import { signCodes } from '../../../src/core/quant/sign.js';
import type { QuantMethod } from '../../../src/core/quant/types.js';
import { gaussian } from './random.js';

const toBits = (kind: Half16Kind) => (kind === 'bf16' ? f32ToBf16Bits : f32ToF16Bits);
const toValue = (kind: Half16Kind) => (kind === 'bf16' ? bf16ToF32 : f16ToF32);

function encode(kind: Half16Kind, values: ArrayLike<number>): Uint16Array {
  return Uint16Array.from(values as number[], toBits(kind));
}
function decode(kind: Half16Kind, halves: Uint16Array): Float32Array {
  return Float32Array.from(halves, toValue(kind));
}
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Σ|W| over finite values, exactly: every BF16/F16 value is an integer multiple of 2^-149. */
function exactMeanAbs(w: Float32Array): number {
  let sum = 0n;
  let n = 0;
  for (const v of w) {
    if (!Number.isFinite(v)) continue;
    sum += BigInt(Math.abs(v) * 2 ** 149);
    n++;
  }
  return Number(sum) / 2 ** 149 / n;
}

describe.each(['bf16', 'f16'] as const)('%s pattern histogram', (kind) => {
  it('known answer: ±2^-7 ×3/4 and ±0.5 ×1/4 → γ = 0.130859375 exactly, codes 0 and ±1', () => {
    const n = 1 << 12;
    // Every fourth value is ±0.5, the rest ±2^-7; signs alternate in runs of four.
    const vals = Float32Array.from({ length: n }, (_, i) => ((i >> 2) % 2 ? -1 : 1) * (i % 4 === 3 ? 0.5 : 2 ** -7));
    const q = quantizeHalves16(encode(kind, vals), kind, 'absmean');
    expect(q.scale).toBe(0.75 * 2 ** -7 + 0.25 * 0.5);
    for (let i = 0; i < n; i++) if (q.codes[i] !== (Math.abs(vals[i]!) === 0.5 ? Math.sign(vals[i]!) : 0)) expect.fail(`code ${i}`);
  });

  it('exact ties at ±γ/2 go to 0; NaN/±Inf get 0 and stay out of γ', () => {
    const bits = encode(kind, [0.25, -0.25, 0.75, -0.75, NaN, Infinity, -Infinity]);
    const q = quantizeHalves16(bits, kind, 'absmean');
    expect(q.scale).toBe(0.5);
    expect(Array.from(q.codes)).toEqual([0, 0, 1, -1, 0, 0, 0]);
  });

  it('the code table gives every one of the 65,536 patterns the shared float quantizer\'s code', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const values = decode(kind, all);
    for (const t of [0.0654296875, 1e-3, 0]) {
      expect(firstMismatch(codeTable16(kind, t, 'ternary'), ternaryCodesByThreshold(values, t))).toBe(-1);
      expect(firstMismatch(codeTable16(kind, t, 'sign'), signCodes(values, t))).toBe(-1);
    }
  });

  it('streamed in odd-sized, unaligned chunks (after a reset) counts like a plain loop', () => {
    const halves = encode(kind, gaussian(100_001, 5, 0.3));
    const want = new Float64Array(65536);
    for (const h of halves) want[h]!++;
    const hist = new Half16Histogram();
    hist.add(halves.subarray(5, 999));
    hist.counts();
    hist.reset();
    for (let at = 0; at < halves.length; at += 977) hist.add(halves.subarray(at, at + 977));
    expect(firstMismatch(hist.counts(), want)).toBe(-1);
  });

  it('maps patterns to codes like a plain loop, aligned or not, any length', () => {
    const halves = encode(kind, gaussian(1003, 7, 0.3));
    const table = codeTable16(kind, 0.1, 'ternary');
    for (const [from, to] of [[0, 1003], [0, 1000], [1, 1003], [2, 7], [4, 5]] as const) {
      const h = halves.subarray(from, to);
      const want = Int8Array.from(h, (p) => table[p]!);
      const out = new Int8Array(1010);
      mapHalvesToCodes(h, table, out.subarray(from, from + h.length));
      expect(firstMismatch(out.subarray(from, from + h.length), want)).toBe(-1);
      expect(out.subarray(from + h.length).every((c) => c === 0)).toBe(true);
    }
  });

  it.each([
    [0.02, 11],
    [1, 12],
    [3e-4, 13],
  ])('γ within 1e-12 of the sequential sum and 1e-13 of the exact sum, same codes (σ = %s)', (sigma, seed) => {
    const halves = encode(kind, gaussian((1 << 18) + 3, seed, sigma));
    halves[17] = toBits(kind)(NaN);
    halves[99] = toBits(kind)(-Infinity);
    const w = decode(kind, halves);
    const hist = new Half16Histogram();
    hist.add(halves);
    const gammaHist = absmeanGammaOfHistogram16(hist.counts(), kind);
    const seq = quantizeWeights(w, 'absmean');
    expect(Math.abs(gammaHist / seq.scale - 1)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(gammaHist / exactMeanAbs(w) - 1)).toBeLessThanOrEqual(1e-13);
    const q = quantizeHalves16(halves, kind, 'absmean');
    expect(q.scale).toBe(gammaHist);
    expect(firstMismatch(q.codes, seq.codes)).toBe(-1);
  });

  it('wide dynamic range: bin-order γ keeps what a sequential sum rounds away (and stays within 1e-12 of it)', () => {
    // Small values below half an ulp of the running sum are lost in index
    // order. BF16: one 2^20 then values near 2^-40. F16 spans only 2^-24…2^16,
    // so it takes many large values (2^15 at every even index) to get there.
    const w = gaussian(1 << 18, 31, kind === 'bf16' ? 2 ** -40 : 2 ** -20);
    if (kind === 'bf16') w[0] = 2 ** 20;
    else for (let i = 0; i < w.length; i += 2) w[i] = 2 ** 15;
    const halves = encode(kind, w);
    const exact = exactMeanAbs(decode(kind, halves));
    const seq = quantizeWeights(decode(kind, halves), 'absmean');
    const q = quantizeHalves16(halves, kind, 'absmean');
    expect(q.scale).not.toBe(seq.scale);
    expect(Math.abs(q.scale - exact)).toBeLessThan(Math.abs(seq.scale - exact));
    expect(Math.abs(q.scale / seq.scale - 1)).toBeLessThanOrEqual(1e-12);
    expect(firstMismatch(q.codes, seq.codes)).toBe(-1);
  });

  it.each(['median', 'sign'] as QuantMethod[])('%s: exact median / mean, scale within 1e-12 of the float quantizer, same codes', (method) => {
    const halves = encode(kind, gaussian((1 << 17) + 1, 21, 0.05));
    const w = decode(kind, halves);
    const want = quantizeWeights(w, method);
    const q = quantizeHalves16(halves, kind, method);
    expect(Math.abs(q.scale / want.scale - 1)).toBeLessThanOrEqual(1e-12);
    expect(firstMismatch(q.codes, want.codes)).toBe(-1);
    if (method === 'median') {
      const sorted = Float64Array.from(w, Math.abs).sort();
      const hist = new Half16Histogram();
      hist.add(halves);
      expect(lowerMedianAbsOfHistogram16(hist.counts(), kind, w.length)).toBe(sorted[(w.length - 1) >> 1]);
    }
  });

  it('an empty or all-zero tensor gets γ = 1e-5 and zero codes', () => {
    expect(quantizeHalves16(new Uint16Array(0), kind, 'absmean').scale).toBe(1e-5);
    const q = quantizeHalves16(new Uint16Array(64), kind, 'absmean');
    expect(q.scale).toBe(1e-5);
    expect(q.codes.every((c) => c === 0)).toBe(true);
  });
});
