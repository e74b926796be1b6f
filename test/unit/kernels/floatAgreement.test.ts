import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type ActiveBackend } from '../../../src/core/backend.js';
import { createWasmTernaryKernel, type WasmTernaryKernel } from '../../../src/core/kernels/wasmKernel.js';
import { quantizeActivations, roundHalfEven } from '../../../src/core/kernels/activations.js';
import { dequantizedInOut } from '../../../src/core/kernels/floatBaseline.js';
import { randomCodes, rng } from './rng.js';

let be: ActiveBackend;
let wasm: WasmTernaryKernel;
beforeAll(async () => {
  be = await initBackend('auto');
  wasm = await createWasmTernaryKernel();
});

describe('ternary kernel vs tfjs float matmul on dequantized weights and quantized activations', () => {
  it('agrees up to float rounding of the rescale', () => {
    const { tf } = be;
    const next = rng(11);
    for (const [out, inF, batch] of [[5, 17, 3], [33, 1000, 2], [64, 129, 5]] as const) {
      const codes = randomCodes(out * inF, next);
      const gamma = 0.037;
      const x = new Float32Array(batch * inF).map(() => next() * 4 - 2);
      const y = wasm.gemm(wasm.prepareTernaryMatrix(codes, out, inF, gamma), x, batch);
      // The float path: x̂ = xq / sx (the values the ternary path really multiplies), Ŵ = codes·γ.
      const a = quantizeActivations(x, batch, inF);
      const xhat = new Float32Array(batch * inF);
      for (let t = 0; t < batch; t++) for (let j = 0; j < inF; j++) xhat[t * inF + j] = a.q[t * inF + j]! / a.scales[t]!;
      const ref = tf.tidy(() => tf.matMul(tf.tensor2d(xhat, [batch, inF]), tf.tensor2d(dequantizedInOut(codes, out, inF, gamma), [inF, out])).dataSync());
      let maxAbs = 0;
      for (let i = 0; i < ref.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ref[i]!));
      for (let i = 0; i < ref.length; i++) {
        // float32 sums of inF terms: error grows like inF · ε · magnitude
        expect(Math.abs(y[i]! - ref[i]!)).toBeLessThanOrEqual(maxAbs * inF * 2 ** -22 + 1e-6);
      }
    }
  });
});

describe('activation quantization', () => {
  it('rounds ties to even like torch.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
  });
  it('maps the absmax value to ±127 with sx = 127 / absmax (bitnet-reference §1.2)', () => {
    const a = quantizeActivations(Float32Array.from([0.5, -2, 1, 0]), 1, 4);
    expect(a.scales[0]).toBeCloseTo(63.5, 12);
    expect(Array.from(a.q)).toEqual([32, -127, 64, 0]); // 31.75 → 32, 63.5 → 64 (tie to even)
  });
  it('uses the 1e-5 floor for an all-zero token', () => {
    const a = quantizeActivations(new Float32Array(3), 1, 3);
    expect(a.scales[0]).toBeCloseTo(127 / 1e-5, 3);
    expect(Array.from(a.q)).toEqual([0, 0, 0]);
  });
});

describe('kernel input validation', () => {
  it('refuses pre-quantized −128 (the kernel negation would wrap)', () => {
    const m = wasm.prepareTernaryMatrix(Int8Array.from([1, -1]), 1, 2, 1);
    expect(() => wasm.gemv(m, { q: Int8Array.from([-128, 3]), scales: Float64Array.from([1]), batch: 1, in: 2 })).toThrow(/−128/);
  });
});

describe('more input validation', () => {
  it('refuses NaN and infinite activations with a typed error', () => {
    expect(() => quantizeActivations(Float32Array.from([1, NaN, 2]), 1, 3)).toThrow(/non-finite/);
    expect(() => quantizeActivations(Float32Array.from([1, Infinity]), 1, 2)).toThrow(/non-finite/);
  });
  it('refuses layers whose int32 accumulators could overflow', () => {
    expect(() => wasm.prepareTernaryMatrix(new Int8Array(0), 1, 2 ** 24 + 1, 1)).toThrow(/overflow/);
  });
});
