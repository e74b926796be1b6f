import { describe, expect, it } from 'vitest';
import { quantizeSign } from '../../../src/core/quant/sign.js';
import { GAMMA_EPS } from '../../../src/core/quant/types.js';

describe('sign (original 1-bit BitNet)', () => {
  it('Q = sign(W − mean W) with 0 → −1, β = mean|W|', () => {
    const q = quantizeSign(new Float32Array([1, 2, 3, -2]));
    // mean W = 1: 1 − 1 = 0 → −1
    expect(Array.from(q.codes)).toEqual([-1, 1, 1, -1]);
    expect(q.scale).toBe(2);
  });

  it('all-zero tensor: every code −1, β clamps to 1e-5', () => {
    const q = quantizeSign(new Float32Array(8));
    expect(Array.from(q.codes)).toEqual(Array(8).fill(-1));
    expect(q.scale).toBe(GAMMA_EPS);
  });
});
