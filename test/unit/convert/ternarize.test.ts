import { describe, expect, it } from 'vitest';
import { AbsSum, ternarize } from '../../../src/core/convert/ternarize.js';
import { quantizeWeights } from '../../../src/core/quant/quantize.js';
import { firstMismatch, gaussian } from './helpers.js';

describe('engine ternarize = shared quantizer, bit for bit', () => {
  it('on Gaussian weights, exact ±γ/2 ties, zeros, and with NaN/±Inf present', () => {
    const w = gaussian(4096, 17);
    const cases: Float32Array[] = [w];
    // mean|W| of this set is exactly 0.5, so ±0.25 sit exactly on the threshold γ/2 (ties → 0).
    const ties = Float32Array.from([0.25, -0.25, 0.75, -0.75, 0.25, -0.25, 0.75, -0.75]);
    expect(Array.from(quantizeWeights(ties, 'absmean').codes)).toEqual([0, 0, 1, -1, 0, 0, 1, -1]);
    cases.push(ties);
    const withBad = w.slice();
    withBad[3] = NaN;
    withBad[10] = Infinity;
    withBad[11] = -Infinity;
    cases.push(withBad, new Float32Array(300));
    for (const c of cases) {
      const want = quantizeWeights(c, 'absmean');
      const got = ternarize(c, 'absmean', new Int8Array(8));
      expect(got.scale).toBe(want.scale);
      expect(firstMismatch(got.codes, want.codes)).toBe(-1);
    }
  });

  it('reuses a large enough code buffer', () => {
    const buf = new Int8Array(10_000);
    const q = ternarize(gaussian(1000, 3), 'absmean', buf);
    expect(q.codes.buffer).toBe(buf.buffer);
    expect(q.codes.length).toBe(1000);
  });

  it('a running AbsSum over chunks gives exactly the shared quantizer\'s γ (float64 equality)', () => {
    const w = gaussian(200_003, 21, 0.7);
    const want = quantizeWeights(w, 'absmean');
    for (const chunk of [1, 977, 65_536, 200_003]) {
      const abs = new AbsSum();
      for (let at = 0; at < w.length; at += chunk) abs.add(w.subarray(at, at + chunk));
      const got = ternarize(w, 'absmean', undefined, abs);
      expect(got.scale).toBe(want.scale);
      expect(firstMismatch(got.codes, want.codes)).toBe(-1);
    }
  });
});
