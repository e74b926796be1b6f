import { describe, expect, it } from 'vitest';
import { absmeanGamma, quantizeAbsmean, dequantizeTernary, AbsMeanAccumulator } from '../../../src/core/quant/absmean.js';
import { roundHalfEven } from '../../../src/core/quant/rounding.js';
import { GAMMA_EPS } from '../../../src/core/quant/types.js';
import { gaussian } from './random.js';

/** Float64 reference written straight from the formula: clamp(roundHalfEven(W/γ), −1, 1). */
function reference(w: Float32Array): { gamma: number; codes: number[] } {
  let s = 0;
  for (const v of w) s += Math.abs(v);
  const gamma = Math.max(s / w.length, 1e-5);
  return { gamma, codes: Array.from(w, (v) => Math.max(-1, Math.min(1, roundHalfEven(v / gamma))) + 0) };
}

describe('absmean (BitNet b1.58)', () => {
  it('sends exact ties W/γ = ±0.5 to 0 (half to even), where Math.round would send +0.5 to +1', () => {
    // mean|W| = 1 exactly, so W/γ = W.
    const w = new Float32Array([0.5, -0.5, 1.5, -1.5]);
    const q = quantizeAbsmean(w);
    expect(q.scale).toBe(1);
    expect(Array.from(q.codes)).toEqual([0, 0, 1, -1]);
    expect(Array.from(w, (v) => Math.max(-1, Math.min(1, Math.round(v))))).toEqual([1, -0, 1, -1]);
  });

  it('hand vector: γ = mean|W|, codes by rounding and clipping', () => {
    const w = new Float32Array([0.1, -0.3, 0.05, 2.0, -0.8, 0.0, 0.25, -0.02]);
    // Σ|W| = 3.52, γ = 0.44, threshold 0.22
    const q = quantizeAbsmean(w);
    expect(q.scale).toBeCloseTo(0.44, 7);
    expect(Array.from(q.codes)).toEqual([0, -1, 0, 1, -1, 0, 1, 0]);
    expect(Array.from(dequantizeTernary(q))).toEqual(Array.from(q.codes, (c) => Math.fround(c * q.scale)));
  });

  it('all-zero tensor: γ clamps to 1e-5 and every code is 0', () => {
    const q = quantizeAbsmean(new Float32Array(1000));
    expect(q.scale).toBe(GAMMA_EPS);
    expect(q.codes.every((c) => c === 0)).toBe(true);
  });

  it('matches the float64 formula on Gaussian data', () => {
    const w = gaussian(20000, 11, 0.02);
    const r = reference(w);
    const q = quantizeAbsmean(w);
    expect(q.scale).toBeCloseTo(r.gamma, 15);
    expect(Array.from(q.codes)).toEqual(r.codes);
  });

  it('streams: γ from chunks equals γ of the whole tensor', () => {
    const w = gaussian(10001, 5);
    const acc = new AbsMeanAccumulator();
    for (let i = 0; i < w.length; i += 997) acc.add(w.subarray(i, i + 997));
    expect(acc.gamma()).toBeCloseTo(absmeanGamma(w), 14);
  });

  it('ignores NaN/Inf in the mean and gives them code 0', () => {
    const q = quantizeAbsmean(new Float32Array([1, -1, NaN, Infinity, -Infinity]));
    expect(q.scale).toBe(1);
    expect(Array.from(q.codes)).toEqual([1, -1, 0, 0, 0]);
  });
});
