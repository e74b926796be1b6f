/**
 * quantizeNormed against hand-worked values: the int8 codes of rmsNorm(x)·w
 * are those of round-half-to-even(v_j·127 / max|v|), v = x·w, with exact
 * ties resolved to even, and the scale is 127 / max|rmsNorm(x)·w|.
 */
import { describe, expect, it } from 'vitest';
import { quantizeActivations } from '../../../src/core/kernels/activations.js';
import { quantizeNormed } from '../../../src/core/model/normQuant.js';
import { rmsNorm } from '../../../src/core/model/transformer.js';

const EPS = 1e-6;
// 127·x_j / x_0 = 127, 31.5, 0.5, −1.5: three exact ties.
const X = new Float32Array([254 / 256, 63 / 256, 1 / 256, -3 / 256]);

describe('quantizeNormed', () => {
  it('resolves exact ties half to even', () => {
    const w = new Float32Array([1, 1, 1, 1]);
    const h = rmsNorm(X, 1, w, EPS);
    const a = quantizeNormed(X, 1, w, EPS, h);
    expect(Array.from(a.q)).toEqual([127, 32, 0, -2]);
    const inv = 1 / Math.sqrt((X.reduce((s, v) => s + v * v, 0)) / 4 + EPS);
    expect(a.scales[0]).toBeCloseTo(127 / ((254 / 256) * inv), 9);
  });

  it('is what quantizing the float32 norm output cannot be: that rounds the 31.5 tie away', () => {
    // The reason for quantizeNormed: x·(1/rms) in float32 moves 31.5 below the tie.
    const w = new Float32Array([1, 1, 1, 1]);
    expect(quantizeActivations(rmsNorm(X, 1, w, EPS), 1, 4).q[1]).toBe(31);
  });

  it('takes the norm weights into v and ignores a common factor', () => {
    const w = new Float32Array([0.5, 2, 1, 1]);
    // v = [127/256, 126/256, 1/256, −3/256] → 127, 126, 1, −3.
    const a = quantizeNormed(X, 1, w, EPS, rmsNorm(X, 1, w, EPS));
    expect(Array.from(a.q)).toEqual([127, 126, 1, -3]);
    const scaled = X.map((v) => v * 3);
    expect(Array.from(quantizeNormed(scaled, 1, w, EPS, rmsNorm(scaled, 1, w, EPS)).q)).toEqual([127, 126, 1, -3]);
  });

  it('falls back to the norm output where the ε clamp of the scale applies', () => {
    const w = new Float32Array([1e-9, 1e-9, 1e-9, 1e-9]);
    const h = rmsNorm(X, 1, w, EPS);
    const a = quantizeNormed(X, 1, w, EPS, h);
    const b = quantizeActivations(h, 1, 4);
    expect(Array.from(a.q)).toEqual(Array.from(b.q));
    expect(a.scales[0]).toBe(b.scales[0]);
  });

  it('quantizes each token on its own', () => {
    const w = new Float32Array([1, 1, 1, 1]);
    const two = new Float32Array([...X, ...X.map((v) => -v)]);
    const a = quantizeNormed(two, 2, w, EPS, rmsNorm(two, 2, w, EPS));
    expect(Array.from(a.q)).toEqual([127, 32, 0, -2, -127, -32, 0, 2]);
  });
});
