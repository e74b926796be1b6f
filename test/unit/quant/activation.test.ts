import { describe, expect, it } from 'vitest';
import { dequantizeActivations, quantizeActivationsPerToken } from '../../../src/core/quant/activation.js';

describe('per-token absmax int8 activations', () => {
  it('ties go to even: with absmax 127 (sx = 1) 0.5 → 0, 1.5 → 2, 2.5 → 2, −2.5 → −2', () => {
    const a = quantizeActivationsPerToken(new Float32Array([127, 0.5, 1.5, 2.5, -2.5, -127]), 6);
    expect(a.scales[0]).toBe(1);
    expect(Array.from(a.codes)).toEqual([127, 0, 2, 2, -2, -127]);
  });

  it('one scale per token; a zero token uses absmax 1e-5 and codes 0', () => {
    const a = quantizeActivationsPerToken(new Float32Array([1, -0.5, 0.25, 0, 0, 0, 4, 2]), 2);
    expect(Array.from(a.scales)).toEqual([127, 508, Math.fround(127 / Math.fround(1e-5)), 31.75]);
    expect(Array.from(a.codes)).toEqual([127, -64, 127, 0, 0, 0, 127, 64]);
    // −0.5·127 = −63.5 → −64 (even); 2·31.75 = 63.5 → 64 (even)
  });

  it('codes stay in [−127, 127] and dequantize within half a step', () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));
    const a = quantizeActivationsPerToken(x, 64);
    const d = dequantizeActivations(a);
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(a.codes[i]!)).toBeLessThanOrEqual(127);
      expect(Math.abs(d[i]! - x[i]!)).toBeLessThanOrEqual(0.5 / a.scales[Math.floor(i / 64)]! + 1e-6);
    }
  });

  it('rejects a length that is not whole tokens', () => {
    expect(() => quantizeActivationsPerToken(new Float32Array(5), 2)).toThrow(/whole number of tokens/);
  });
});
