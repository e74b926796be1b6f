import { describe, expect, it } from 'vitest';
import { floorToFloat32, roundHalfAwayFromZero, roundHalfEven } from '../../../src/core/quant/rounding.js';
import { mulberry32 } from './random.js';

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour, unlike Math.round and half-away-from-zero', () => {
    const xs = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, -3.5];
    expect(xs.map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 4, -4]);
    expect(xs.map(Math.round)).toEqual([1, 2, 3, -0, -1, -2, 4, -3]);
    expect(xs.map(roundHalfAwayFromZero)).toEqual([1, 2, 3, -1, -2, -3, 4, -4]);
  });

  it('rounds non-ties to the nearest integer', () => {
    expect([0.49999999999999994, 0.5000000000000001, -0.5000000000000001, 1.4999, 2.6, -2.6, 1e300, 0].map(roundHalfEven)).toEqual([
      0, 1, -1, 1, 3, -3, 1e300, 0,
    ]);
  });

  it('agrees with a floor-based reference on random halves and quarters', () => {
    const u = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const x = Math.round((u() - 0.5) * 400) / 4; // multiples of 0.25: many ties
      const f = Math.floor(x);
      const d = x - f;
      const ref = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
      expect(roundHalfEven(x)).toBe(ref === 0 ? roundHalfEven(x) : ref);
    }
  });
});

describe('floorToFloat32', () => {
  it('gives the largest float32 not above t, so float32 comparisons keep their outcome', () => {
    const u = mulberry32(3);
    for (let i = 0; i < 2000; i++) {
      const t = (u() - 0.5) * 10;
      const f = floorToFloat32(t);
      expect(Math.fround(f)).toBe(f);
      expect(f).toBeLessThanOrEqual(t);
      // The next float32 up is above t.
      const w = new Float32Array([f]);
      const bits = new Uint32Array(w.buffer);
      bits[0] = f >= 0 ? bits[0]! + 1 : bits[0]! - 1;
      if (f !== 0) expect(w[0]!).toBeGreaterThan(t);
    }
    expect(floorToFloat32(0.5)).toBe(0.5);
  });
});
