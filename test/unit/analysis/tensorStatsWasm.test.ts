import { describe, expect, it } from 'vitest';
import { TensorStatsBuilder } from '../../../src/core/analysis/tensorStats.js';
import { statsKernel } from '../../../src/core/kernels/statsKernel.js';
import { QUANT_METHODS, type QuantMethod } from '../../../src/core/quant/types.js';
import { gaussian, mulberry32 } from '../quant/random.js';

function stats(data: Float32Array, method: QuantMethod, chunk: number, loops: 'auto' | 'typescript', storedTernary = false, bins?: number) {
  const b = new TensorStatsBuilder({ method, loops, storedTernary, bins });
  while (b.beginPass()) for (let i = 0; i < data.length; i += chunk) b.add(data.subarray(i, i + chunk));
  return b.finish();
}

/** Gaussian values with the awkward ones mixed in: ±0, NaN, ±Inf, repeats, the extremes. */
function awkward(n: number, seed: number): Float32Array {
  const data = gaussian(n, seed, 0.02);
  const u = mulberry32(seed + 1);
  const specials = [0, -0, NaN, Infinity, -Infinity, 0.02, -0.02, 1e-30, -1e-30];
  for (let i = 0; i < n / 50; i++) data[Math.floor(u() * n)] = specials[Math.floor(u() * specials.length)]!;
  return data;
}

describe('the WebAssembly statistics loops give exactly the TypeScript loops\' figures', () => {
  it('is available here (else the comparisons below would compare TypeScript with itself)', () => {
    expect(statsKernel()).toBeDefined();
  });

  for (const method of QUANT_METHODS) {
    it(`${method}: every field bit for bit, chunks smaller and larger than the kernel's 1 Mi-element slice`, () => {
      for (const [n, chunk] of [[30001, 4096], [1 << 20 | 12345, 1 << 21], [5000, 1]] as const) {
        const data = awkward(n, n);
        expect(stats(data, method, chunk, 'auto')).toEqual(stats(data, method, chunk, 'typescript'));
      }
    });
  }

  it('histograms of 1, 255, 256 and 257 bins (staged bin bytes up to 256, counted in place above), blocks of 4096 and a ragged tail', () => {
    const data = awkward(3 * 4096 + 7, 11);
    for (const bins of [1, 255, 256, 257, 1000]) {
      for (const chunk of [4096, 5000, data.length]) {
        const wasm = stats(data, 'absmean', chunk, 'auto', false, bins);
        expect(wasm).toEqual(stats(data, 'absmean', chunk, 'typescript', false, bins));
        expect(wasm.histogram.counts.reduce((a, b) => a + b, 0)).toBe(data.length - wasm.nonFinite);
      }
    }
  });

  it('both sides keep each sum in four lanes (element i in lane i mod 4) folded as (l0 + l1) + (l2 + l3)', () => {
    // 2^54 + 1 rounds back to 2^54 in float64, so every order of these adds
    // gives a different ΣW: one chain 1, lanes folded (l0 + l2) + (l1 + l3) 2,
    // the shared order 0. Repeated past one slice, with a ragged tail.
    const group = [2 ** 54, 1, -(2 ** 54), 1];
    const data = Float32Array.from({ length: (1 << 20) + 4 * 3 + 2 }, (_, i) => group[i % 4]!);
    const lanes = [0, 0, 0, 0];
    for (let i = 0; i < data.length; i++) lanes[i % 4]! += data[i]!;
    const sum = (lanes[0]! + lanes[1]!) + (lanes[2]! + lanes[3]!);
    for (const loops of ['auto', 'typescript'] as const) {
      const s = stats(data, 'absmean', data.length, loops);
      expect(s.mean, loops).toBe(sum / data.length);
    }
  });

  it('stored ternary values (threshold 0, +0 and −0 both code 0)', () => {
    const u = mulberry32(5);
    const data = Float32Array.from({ length: 20000 }, () => [0.03, -0.03, 0, -0][Math.floor(u() * 4)]!);
    expect(stats(data, 'absmean', 3000, 'auto', true)).toEqual(stats(data, 'absmean', 3000, 'typescript', true));
  });
});
