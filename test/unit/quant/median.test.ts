import { describe, expect, it } from 'vitest';
import { AbsMedianFinder, medianAbsExact, quantizeMedian } from '../../../src/core/quant/median.js';
import { gaussian, mulberry32, toBf16 } from './random.js';

/** Lower median (torch.median convention) of |W| by sorting. */
function sortedMedian(w: Float32Array): number {
  const a = Float64Array.from(w, Math.abs).sort();
  return a[Math.floor((a.length - 1) / 2)]!;
}

describe('median|W| without holding the tensor', () => {
  it('is exact on float32 data (refine pass), for odd and even sizes', () => {
    for (const [n, seed] of [[1, 1], [2, 2], [999, 3], [1000, 4], [65537, 5]] as const) {
      const w = gaussian(n, seed);
      expect(medianAbsExact(w)).toBe(sortedMedian(w));
    }
  });

  it('is exact from the first pass alone on BF16 data (no refine needed)', () => {
    const w = toBf16(gaussian(5000, 9));
    const f = new AbsMedianFinder();
    f.add(w);
    expect(f.needsRefine()).toBe(false);
    expect(f.median()).toBe(sortedMedian(w));
  });

  it('handles heavy duplicates and values sharing the median bin', () => {
    const u = mulberry32(4);
    // Values 1 + k·2^-20: all in one high-16 bin, distinct low bits.
    const w = Float32Array.from({ length: 777 }, () => (u() < 0.5 ? -1 : 1) * (1 + Math.floor(u() * 50) * 2 ** -20));
    expect(medianAbsExact(w)).toBe(sortedMedian(w));
  });

  it('streams over chunks like one pass over the whole', () => {
    const w = gaussian(12345, 8);
    const f = new AbsMedianFinder();
    for (let i = 0; i < w.length; i += 1000) f.add(w.subarray(i, i + 1000));
    if (f.needsRefine()) for (let i = 0; i < w.length; i += 1000) f.refine(w.subarray(i, i + 1000));
    expect(f.median()).toBe(sortedMedian(w));
  });
});

describe('median-threshold quantizer', () => {
  it('hand vector: Q = sign(W)·[|W| > median|W|], scale = mean|W| / mean|Q|', () => {
    const w = new Float32Array([0.1, -0.4, 0.3, -0.2, 0.5, 0.05]);
    // |W| sorted 0.05 0.1 0.2 0.3 0.4 0.5 → lower median 0.2
    const q = quantizeMedian(w);
    expect(Array.from(q.codes)).toEqual([0, -1, 1, 0, 1, 0]);
    const meanAbs = (0.1 + 0.4 + 0.3 + 0.2 + 0.5 + 0.05) / 6;
    expect(q.scale).toBeCloseTo(meanAbs / 0.5, 6);
  });

  it('zeroes exactly half of 1e6 distinct Gaussian weights', () => {
    // float32 Gaussian draws repeat a few thousand values in 1e6; keep the first 1e6 distinct ones.
    const w = Float32Array.from(new Set(gaussian(1_010_000, 21))).subarray(0, 1_000_000);
    const q = quantizeMedian(w);
    let zeros = 0;
    for (const c of q.codes) if (c === 0) zeros++;
    expect(new Set(w).size).toBe(w.length); // distinct, so the 50 % is exact
    expect(zeros).toBe(500_000);
  });

  it('all values equal: every code 0, scale falls back to mean|W|', () => {
    const q = quantizeMedian(new Float32Array([2, -2, 2, 2]));
    expect(Array.from(q.codes)).toEqual([0, 0, 0, 0]);
    expect(q.scale).toBe(2);
  });
});
