import { describe, expect, it } from 'vitest';
import { computeTensorStats, TensorStatsBuilder, SQNR_CAP_DB } from '../../../src/core/analysis/tensorStats.js';
import type { TensorStats } from '../../../src/core/analysis/report.js';
import { QUANT_METHODS, type QuantMethod } from '../../../src/core/quant/types.js';
import { gaussian, mulberry32, toBf16 } from '../quant/random.js';
import { referenceStats } from './reference.js';

function streamed(data: Float32Array, method: QuantMethod, chunk: number, exact16 = false): { stats: TensorStats; passes: number; way: string } {
  const b = new TensorStatsBuilder({ method, exact16 });
  let passes = 0;
  while (b.beginPass()) {
    passes++;
    for (let i = 0; i < data.length; i += chunk) b.add(data.subarray(i, i + chunk));
  }
  return { stats: b.finish(), passes, way: b.way };
}

function expectMatchesReference(s: TensorStats, data: Float32Array, method: QuantMethod): void {
  const r = referenceStats(data, method);
  expect(s.zeros).toBe(r.zeros);
  expect(s.plus).toBe(r.plus);
  expect(s.minus).toBe(r.minus);
  expect(s.gamma).toBeCloseTo(r.gamma, 12);
  expect(s.relRmse).toBeCloseTo(r.relRmse, 9);
  expect(s.cosine).toBeCloseTo(r.cosine, 9);
  expect(s.sqnrDb).toBeCloseTo(r.sqnrDb, 7);
  expect(s.min).toBe(r.min);
  expect(s.max).toBe(r.max);
  expect(s.mean).toBeCloseTo(r.mean, 12);
  expect(s.std).toBeCloseTo(r.std, 12);
  expect(s.nonFinite).toBe(r.nonFinite);
  const t = method === 'sign' ? [r.threshold] : [-r.threshold, r.threshold];
  s.thresholds.forEach((x, i) => expect(x).toBeCloseTo(t[i]!, 12));
  expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(data.length - r.nonFinite);
}

describe('tensor statistics against a float64 reference', () => {
  for (const method of QUANT_METHODS) {
    it(`${method}: float32 data, two passes, chunked`, () => {
      const data = gaussian(30001, 17, 0.05);
      const { stats, passes, way } = streamed(data, method, 4096);
      expect(way).toBe('general');
      expect(passes).toBe(2);
      expectMatchesReference(stats, data, method);
    });

    it(`${method}: BF16 data, one pass over 65,536 single-valued bins`, () => {
      const data = toBf16(gaussian(30001, 19, 0.05));
      const { stats, passes, way } = streamed(data, method, 4096, true);
      expect(way).toBe('bits16');
      expect(passes).toBe(1);
      expectMatchesReference(stats, data, method);
      // The same figures as the general way, bin for bin.
      const general = computeTensorStats(data, { method });
      expect(stats.histogram.counts).toEqual(general.histogram.counts);
      expect(stats.zeros).toBe(general.zeros);
    });

    it(`${method}: exact16 promised but float32 data → falls back to the general way, same answer`, () => {
      const data = gaussian(5000, 23);
      const { stats, passes, way } = streamed(data, method, 1000, true);
      expect(way).toBe('general');
      expect(passes).toBe(3);
      expectMatchesReference(stats, data, method);
    });
  }

  it('median with many values inside the median bin is settled exactly after pass 2', () => {
    const u = mulberry32(31);
    const data = Float32Array.from({ length: 4001 }, () => (u() < 0.5 ? -1 : 1) * (0.5 + Math.floor(u() * 300) * 2 ** -22));
    expectMatchesReference(computeTensorStats(data, { method: 'median' }), data, 'median');
  });

  it('histogram: 64 bins, edges from min to max, counts add up', () => {
    const data = new Float32Array([-1, -0.5, 0, 0.5, 1]);
    const s = computeTensorStats(data, { method: 'absmean', bins: 4 });
    expect(s.histogram.edges).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(s.histogram.counts).toEqual([1, 1, 1, 2]);
    expect(computeTensorStats(gaussian(1000, 1), { method: 'absmean' }).histogram.counts).toHaveLength(64);
  });
});

describe('BitNet b1.58 on N(0, 1): the numbers of bitnet-reference.md §1.6', () => {
  const data = gaussian(1_000_000, 2024);
  it('absmean: 31.01 % zeros, entropy 1.583 bits, MSE 0.2634, SQNR 5.79 dB', () => {
    const s = computeTensorStats(data, { method: 'absmean' });
    expect(s.zeroFraction).toBeGreaterThan(0.3101 - 0.003);
    expect(s.zeroFraction).toBeLessThan(0.3101 + 0.003);
    expect(s.entropyBits).toBeCloseTo(1.583, 2);
    const meanSq = s.std ** 2 + s.mean ** 2;
    expect(s.relRmse ** 2 * meanSq).toBeCloseTo(0.2634, 2);
    expect(Math.abs(s.sqnrDb - 5.79)).toBeLessThan(0.05);
    expect(s.gamma).toBeCloseTo(Math.sqrt(2 / Math.PI), 2);
  });

  it('median: exactly half zeros on distinct values, scale ≈ 2·E|w| = 1.5958', () => {
    const distinct = Float32Array.from(new Set(gaussian(1_010_000, 77))).subarray(0, 1_000_000);
    const s = computeTensorStats(distinct, { method: 'median' });
    expect(s.zeros).toBe(500_000);
    expect(s.zeroFraction).toBe(0.5);
    expect(s.gamma).toBeCloseTo(1.5958, 2);
    expect(s.relRmse ** 2 * (s.std ** 2 + s.mean ** 2)).toBeCloseTo(0.2448, 2);
  });
});

describe('statistics stay defined', () => {
  const finite = (s: TensorStats) => JSON.stringify(s).includes('null') === false && Object.values(s).every((v) => typeof v !== 'number' || Number.isFinite(v));

  for (const method of QUANT_METHODS) {
    it(`${method}: all-zero tensor`, () => {
      const s = computeTensorStats(new Float32Array(100), { method });
      expect(finite(s)).toBe(true);
      if (method === 'absmean') {
        expect(s.gamma).toBe(1e-5);
        expect(s.zeros).toBe(100);
        expect(s.relRmse).toBe(0);
        expect(s.cosine).toBe(1);
      }
    });

    it(`${method}: constant tensor`, () => {
      const s = computeTensorStats(new Float32Array(50).fill(0.25), { method });
      expect(finite(s)).toBe(true);
      expect(s.histogram.edges[0]!).toBeLessThan(0.25);
      expect(s.histogram.edges[64]!).toBeGreaterThan(0.25);
      expect(s.histogram.counts.reduce((a, b) => a + b)).toBe(50);
      expect(s.std).toBe(0);
    });

    it(`${method}: NaN and ±Inf are counted, flagged and left out`, () => {
      const clean = gaussian(1000, 5);
      const dirty = new Float32Array(1003);
      dirty.set(clean);
      dirty.set([NaN, Infinity, -Infinity], 1000);
      const s = computeTensorStats(dirty, { method });
      expect(finite(s)).toBe(true);
      expect(s.nonFinite).toBe(3);
      const c = computeTensorStats(clean, { method });
      expect({ ...s, nonFinite: 0 }).toEqual(c);
      // Same through the one-pass way.
      const b = computeTensorStats(toBf16(dirty), { method, exact16: true });
      expect(b.nonFinite).toBe(3);
      expect(finite(b)).toBe(true);
    });

    it(`${method}: no finite value at all`, () => {
      const s = computeTensorStats(new Float32Array([NaN, NaN]), { method });
      expect(finite(s)).toBe(true);
      expect(s.nonFinite).toBe(2);
    });
  }
});

describe('stored ternary tensors', () => {
  it('reports the stored codes and scale, no re-quantization, exact reconstruction', () => {
    const codes = [1, 0, -1, 0, 0, 1, -1, 1];
    const g = Math.fround(0.037);
    const data = Float32Array.from(codes, (c) => c * g);
    const s = computeTensorStats(data, { method: 'absmean', storedTernary: true });
    expect(s.storedTernary).toBe(true);
    expect([s.zeros, s.plus, s.minus]).toEqual([3, 3, 2]);
    expect(s.gamma).toBeCloseTo(g, 12);
    expect(s.relRmse).toBeLessThan(1e-7);
    expect(s.cosine).toBeCloseTo(1, 12);
    expect(s.sqnrDb).toBeGreaterThan(140);
    expect(s.sqnrDb).toBeLessThanOrEqual(SQNR_CAP_DB);
    expect(s.thresholds).toEqual([]);
  });
});
