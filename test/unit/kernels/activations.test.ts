import { describe, expect, it } from 'vitest';
import { quantizeActivations, roundHalfEven } from '../../../src/core/kernels/activations.js';
import { rng } from './rng.js';

describe('kernel activation quantization', () => {
  it('rounds exact ties to even (absmax 127 makes sx = 1, so x·sx is x itself)', () => {
    const x = new Float32Array([127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, -126.5, 3.4999998, -0.49999997, 0]);
    expect(Array.from(quantizeActivations(x, 1, x.length).q)).toEqual([127, 0, 2, 2, 0, -2, -2, 126, -126, 3, 0, 0]);
  });

  it('gives roundHalfEven(x · sx) for every value, token by token', () => {
    const next = rng(99);
    const batch = 5;
    const n = 3001;
    const x = Float32Array.from({ length: batch * n }, () => (next() - 0.5) * 8 * (next() < 0.1 ? 100 : 1));
    // Some exact half-steps of the grid as well.
    for (let i = 0; i < 200; i++) x[Math.floor(next() * x.length)] = Math.round(next() * 40) / 2;
    const a = quantizeActivations(x, batch, n);
    for (let t = 0; t < batch; t++) {
      let absmax = 0;
      for (let j = 0; j < n; j++) absmax = Math.max(absmax, Math.abs(x[t * n + j]!));
      const sx = 127 / Math.max(absmax, 1e-5);
      expect(a.scales[t]).toBe(sx);
      for (let j = 0; j < n; j++) {
        const want = Math.max(-128, Math.min(127, roundHalfEven(x[t * n + j]! * sx)));
        if (a.q[t * n + j] !== want) expect(`token ${t} index ${j}: ${a.q[t * n + j]}`).toBe(`token ${t} index ${j}: ${want}`);
      }
    }
  });
});
