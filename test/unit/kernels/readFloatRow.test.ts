/**
 * readFloatRow gives back exactly the row that was prepared (its float32
 * value, for f16/bf16 the exact conversion of each 16-bit pattern), from the
 * kernel's own padded copy, for both kernels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bf16ToFloat, halfToFloat } from '../../../src/core/kernels/floatLayout.js';
import { createTsTernaryKernel } from '../../../src/core/kernels/tsKernel.js';
import type { FloatWeightType, MatrixKernel } from '../../../src/core/kernels/types.js';
import { createWasmTernaryKernel } from '../../../src/core/kernels/wasmKernel.js';
import { rng } from './rng.js';

let wasm: MatrixKernel;
beforeAll(async () => {
  wasm = await createWasmTernaryKernel({ threads: 2 });
});
afterAll(() => wasm.close());

describe.each(['wasm', 'typescript'] as const)('readFloatRow (%s)', (which) => {
  it.each<FloatWeightType>(['f32', 'f16', 'bf16'])('%s rows come back exactly', (dtype) => {
    const k = which === 'wasm' ? wasm : createTsTernaryKernel();
    const out = 7;
    const inF = 13; // not a multiple of the kernel's 8-input step: rows are padded inside
    const next = rng(31);
    const w = dtype === 'f32' ? Float32Array.from({ length: out * inF }, () => next() - 0.5)
      : Uint16Array.from({ length: out * inF }, () => Math.floor(next() * 0x7c00) | (next() < 0.5 ? 0x8000 : 0));
    const m = k.prepareFloatMatrix(w, out, inF, dtype);
    const row = new Float32Array(inF);
    for (let r = 0; r < out; r++) {
      k.readFloatRow(m, r, row);
      for (let j = 0; j < inF; j++) {
        const v = w[r * inF + j]!;
        const want = dtype === 'f32' ? v : dtype === 'f16' ? halfToFloat(v) : bf16ToFloat(v);
        expect(row[j]).toBe(Math.fround(want));
      }
    }
  });
});
