/**
 * Plain TypeScript kernel over the same packed layout as the wasm kernel:
 * slow, but obviously correct, for cross-checks and for hosts without
 * WebAssembly SIMD. One thread; float sums in float64, rounded once.
 */
import { BitnetLabError } from '../errors.js';
import { blockOffset, blocksPerRow, packTernary } from './packing.js';
import { checkGamma, rescale, toQuantized } from './rescale.js';
import { bf16ToFloat, checkFloatMatrix, halfToFloat } from './floatLayout.js';
import type { Activations, FloatMatrix, FloatWeightType, MatrixKernel, TernaryMatrix } from './types.js';

interface TsFloatMatrix extends FloatMatrix {
  values: Float32Array;
}

export function createTsTernaryKernel(): MatrixKernel {
  const accumulate = (m: TernaryMatrix, xq: Int8Array, batch: number): Int32Array => {
    if (xq.length !== batch * m.in) throw new BitnetLabError('usage', `activations: ${xq.length} values for [${batch}, ${m.in}]`);
    const acc = new Int32Array(batch * m.out);
    for (let t = 0; t < batch; t++) {
      const xBase = t * m.in;
      for (let r = 0; r < m.out; r++) {
        let s = 0;
        for (let j = 0; j < m.in; j++) {
          const b = j >> 6;
          const k = j & 63;
          const c = (m.packed[blockOffset(r, b, m.blocks) + (k & 15)]! >> ((k >> 4) << 1)) & 3;
          s += (c - 1) * xq[xBase + j]!;
        }
        acc[t * m.out + r] = s;
      }
    }
    return acc;
  };
  const gemm = (m: TernaryMatrix, x: Activations, batch: number): Float32Array => {
    const a = toQuantized(m, x, batch);
    return rescale(m, accumulate(m, a.q, batch), a.scales);
  };
  const gemmFloat = (m: FloatMatrix, x: Float32Array, batch: number): Float32Array => {
    if (x.length !== batch * m.in) throw new BitnetLabError('usage', `activations: ${x.length} values for [${batch}, ${m.in}]`);
    const w = (m as TsFloatMatrix).values;
    const y = new Float32Array(batch * m.out);
    for (let t = 0; t < batch; t++) {
      for (let r = 0; r < m.out; r++) {
        let s = 0;
        for (let j = 0; j < m.in; j++) s += w[r * m.in + j]! * x[t * m.in + j]!;
        y[t * m.out + r] = s;
      }
    }
    return y;
  };
  return {
    name: 'typescript',
    threads: 1,
    simd: 'none',
    prepareTernaryMatrix(codes, out, inFeatures, gamma) {
      checkGamma(gamma);
      return { out, in: inFeatures, gamma, blocks: blocksPerRow(inFeatures), packed: packTernary(codes, out, inFeatures) };
    },
    gemv: (m, x) => gemm(m, x, 1),
    gemm,
    accumulate,
    prepareFloatMatrix(weights: Float32Array | Uint16Array, out: number, inFeatures: number, dtype: FloatWeightType): FloatMatrix {
      checkFloatMatrix(weights, out, inFeatures, dtype);
      const decode = dtype === 'f16' ? halfToFloat : bf16ToFloat;
      const values = dtype === 'f32' ? Float32Array.from(weights) : Float32Array.from(weights, decode);
      const m: TsFloatMatrix = { out, in: inFeatures, dtype, values };
      return m;
    },
    gemvFloat: (m, x) => gemmFloat(m, x, 1),
    gemmFloat,
    readFloatRow(m, row, out) {
      out.set((m as TsFloatMatrix).values.subarray(row * m.in, (row + 1) * m.in));
    },
    release: () => {},
    close: () => {},
  };
}
