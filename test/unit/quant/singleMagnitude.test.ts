/**
 * The one "already ternary" rule (src/core/quant/singleMagnitude.ts), fed as
 * value chunks and as a 16-bit pattern histogram: both answers must agree
 * on every case, and each caller must get the same verdict.
 */
import { describe, expect, it } from 'vitest';
import { SingleMagnitude, singleMagnitudeOfHistogram } from '../../../src/core/quant/singleMagnitude.js';
import { half16Values } from '../../../src/core/quant/histogram16.js';
import { storedTernary } from '../../../src/core/convert/ternarize.js';

const F16_ONE = 0x3c00; // 1.0
const F16_HALF = 0x3800; // 0.5
const F16_NEG_HALF = 0xb800; // -0.5
const F16_NAN = 0x7e00;
const F16_INF = 0x7c00;

/** Stream the values in chunks of `chunk` (so a verdict can span chunk boundaries). */
function streamed(values: number[], chunk: number): number | undefined {
  const w = new SingleMagnitude();
  for (let i = 0; i < values.length; i += chunk) if (!w.add(Float32Array.from(values.slice(i, i + chunk)))) break;
  return w.magnitude;
}

function histogram(patterns: number[]): Float64Array {
  const counts = new Float64Array(65536);
  for (const p of patterns) counts[p]! += 1;
  return counts;
}

const f16 = half16Values('f16');
const cases: Array<[string, number[], number | undefined]> = [
  ['±c and zeros', [F16_HALF, 0, F16_NEG_HALF, F16_HALF, 0x8000], 0.5],
  ['two magnitudes', [F16_HALF, F16_ONE], undefined],
  ['zeros only (nothing to take γ from)', [0, 0x8000, 0], undefined],
  ['a NaN among ±c', [F16_HALF, F16_NAN, F16_NEG_HALF], undefined],
  ['an infinity alone', [F16_INF, 0], undefined],
];

describe('SingleMagnitude: is a tensor already {−c, 0, +c}?', () => {
  for (const [what, patterns, want] of cases) {
    it(`${what}: streamed in any chunking and as a histogram, the same verdict`, () => {
      const values = patterns.map((p) => f16[p]!);
      for (const chunk of [1, 2, values.length]) expect(streamed(values, chunk)).toBe(want);
      expect(singleMagnitudeOfHistogram(histogram(patterns), f16)).toBe(want);
    });
  }

  it('says so from the first ruling-out value (callers may stop reading) and stays ruled out', () => {
    const w = new SingleMagnitude();
    expect(w.add(Float32Array.of(0, 0.25, -0.25))).toBe(true);
    expect(w.possible).toBe(true);
    expect(w.add(Float32Array.of(0.25, 0.3))).toBe(false);
    expect(w.add(Float32Array.of(0.25))).toBe(false);
    expect(w.possible).toBe(false);
    expect(w.magnitude).toBeUndefined();
  });

  it('storedTernary (quantize) follows it: signs and c, the floor γ for all zeros, undefined otherwise', () => {
    expect(storedTernary(Float32Array.of(0.5, 0, -0.5))).toEqual({ codes: Int8Array.of(1, 0, -1), scale: 0.5 });
    expect(storedTernary(Float32Array.of(0, 0))?.scale).toBe(1e-5);
    expect(storedTernary(Float32Array.of(0.5, 0.25))).toBeUndefined();
    expect(storedTernary(Float32Array.of(0.5, Number.NaN))).toBeUndefined();
  });
});
