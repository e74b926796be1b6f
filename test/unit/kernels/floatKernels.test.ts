import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmTernaryKernel, type WasmTernaryKernel } from '../../../src/core/kernels/wasmKernel.js';
import { createTsTernaryKernel } from '../../../src/core/kernels/tsKernel.js';
import { bf16ToFloat, halfToFloat } from '../../../src/core/kernels/floatLayout.js';
import type { FloatKernel, FloatWeightType } from '../../../src/core/kernels/types.js';
import { rng } from './rng.js';

const variants: Array<{ simd: 'relaxed' | 'plain'; threads: number; kernel?: WasmTernaryKernel }> = [];
for (const simd of ['relaxed', 'plain'] as const) for (const threads of [1, 2, 3]) variants.push({ simd, threads });
beforeAll(async () => {
  for (const v of variants) v.kernel = await createWasmTernaryKernel({ simd: v.simd, threads: v.threads, minParallelWork: 0, minWakeWork: 0 });
});
afterAll(() => {
  for (const v of variants) v.kernel?.close();
});

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Random 16-bit weights covering normals, subnormals, zeros of both signs (no Inf/NaN for f16). */
function randomHalves(n: number, next: () => number, dtype: 'f16' | 'bf16'): Uint16Array {
  const h = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (dtype === 'bf16') {
      f32[0] = (next() - 0.5) * 2 ** Math.floor(next() * 8 - 4);
      h[i] = u32[0]! >>> 16;
    } else if (r < 0.05) h[i] = Math.floor(next() * 1024) | (next() < 0.5 ? 0x8000 : 0); // subnormals and ±0
    else h[i] = Math.floor(next() * 0x7c00) | (next() < 0.5 ? 0x8000 : 0); // finite normals of every exponent
  }
  return h;
}

/**
 * The float64 reference y = W·x and the error bound of any float32 summation
 * order, fused or not: |ŷ − y| ≤ γ_n · Σ|w·x| with γ_n = n·u / (1 − n·u),
 * u = 2^−24 (Higham, Accuracy and Stability, §3.1), plus the rounding of the
 * float32 result itself.
 */
function reference(w: Float64Array, x: Float32Array, out: number, inF: number, batch: number): { y: Float64Array; bound: Float64Array } {
  const y = new Float64Array(batch * out);
  const bound = new Float64Array(batch * out);
  const u = 2 ** -24;
  const n = inF + 2; // the lane sums and the final horizontal adds lengthen the chain by ≤ 2
  const gamma = (n * u) / (1 - n * u);
  for (let t = 0; t < batch; t++) {
    for (let r = 0; r < out; r++) {
      let s = 0;
      let a = 0;
      for (let j = 0; j < inF; j++) {
        s += w[r * inF + j]! * x[t * inF + j]!;
        a += Math.abs(w[r * inF + j]! * x[t * inF + j]!);
      }
      y[t * out + r] = s;
      bound[t * out + r] = gamma * a + Math.abs(s) * u + 1e-45;
    }
  }
  return { y, bound };
}

function check(k: FloatKernel, dtype: FloatWeightType, out: number, inF: number, batch: number, seed: number): void {
  const next = rng(seed);
  let weights: Float32Array | Uint16Array;
  let w64: Float64Array;
  if (dtype === 'f32') {
    weights = new Float32Array(out * inF).map(() => (next() - 0.5) * 4);
    w64 = Float64Array.from(weights);
  } else {
    weights = randomHalves(out * inF, next, dtype);
    w64 = Float64Array.from(weights, dtype === 'f16' ? halfToFloat : bf16ToFloat);
  }
  const x = new Float32Array(batch * inF).map(() => (next() - 0.5) * 8);
  const m = k.prepareFloatMatrix(weights, out, inF, dtype);
  const got = batch === 1 ? k.gemvFloat(m, x) : k.gemmFloat(m, x, batch);
  const { y, bound } = reference(w64, x, out, inF, batch);
  expect(got.length).toBe(batch * out);
  for (let i = 0; i < y.length; i++) {
    const err = Math.abs(got[i]! - y[i]!);
    if (!(err <= bound[i]!)) expect.fail(`${dtype} [${out}, ${inF}] batch ${batch}: output ${i} = ${got[i]}, float64 ${y[i]}, error ${err} > bound ${bound[i]}`);
  }
}

describe('16-bit weight decoding (known values)', () => {
  it('IEEE half: normals, subnormals, extremes, signs', () => {
    expect([0x3c00, 0xc000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x8000, 0x3555].map(halfToFloat))
      .toEqual([1, -2, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, -0, 0.333251953125]);
  });
  it('bfloat16: the high half of the float32', () => {
    expect([0x3f80, 0xc040, 0x0001, 0x7f7f].map(bf16ToFloat)).toEqual([1, -3, 2 ** -133, 0xff * 2 ** 120]);
  });
});

describe('float kernels agree with a float64 reference within the float32 summation bound', () => {
  const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 7, 1], [5, 8, 2], [7, 9, 4], [33, 127, 3], [64, 1000, 5], [6, 4099, 2]];
  for (const dtype of ['f32', 'f16', 'bf16'] as const) {
    it(`${dtype}: every SIMD variant and thread count, odd shapes`, () => {
      let seed = 1;
      for (const [out, inF, batch] of shapes) {
        seed++;
        for (const v of variants) check(v.kernel!, dtype, out, inF, batch, seed);
        check(createTsTernaryKernel(), dtype, out, inF, batch, seed);
      }
    });
  }

  it('propagates NaN inputs like a float product does, and ignores the padding', () => {
    const k = variants[1]!.kernel!;
    const m = k.prepareFloatMatrix(new Float32Array(4 * 5).fill(1), 4, 5, 'f32');
    expect(Array.from(k.gemvFloat(m, Float32Array.from([1, 2, 3, 4, 5])))).toEqual([15, 15, 15, 15]);
    expect(k.gemvFloat(m, Float32Array.from([1, NaN, 3, 4, 5])).every(Number.isNaN)).toBe(true);
  });

  it('refuses Inf/NaN half weights, wrong array types and shapes with typed errors', () => {
    const k = variants[0]!.kernel!;
    expect(() => k.prepareFloatMatrix(Uint16Array.from([0x3c00, 0x7c00]), 1, 2, 'f16')).toThrow(/Inf or NaN/);
    expect(() => k.prepareFloatMatrix(new Float32Array(2), 1, 2, 'bf16')).toThrow(/Uint16Array/);
    expect(() => k.prepareFloatMatrix(new Float32Array(3), 1, 2, 'f32')).toThrow(/3 values/);
    const m = k.prepareFloatMatrix(new Float32Array(2), 1, 2, 'f32');
    expect(() => k.gemvFloat(m, new Float32Array(3))).toThrow(/3 values/);
    k.release(m);
    expect(() => k.gemvFloat(m, new Float32Array(2))).toThrow(/not prepared/);
  });
});
