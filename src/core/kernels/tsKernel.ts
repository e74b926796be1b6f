/**
 * Plain TypeScript ternary kernel over the same packed layout as the wasm
 * kernel: slow, but obviously correct, for cross-checks and for hosts
 * without WebAssembly SIMD.
 */
import { BLOCK_BYTES, blocksPerRow, packTernary } from './packing.js';
import { checkGamma, rescale, toQuantized } from './rescale.js';
import type { Activations, TernaryKernel, TernaryMatrix } from './types.js';

export function createTsTernaryKernel(): TernaryKernel {
  const accumulate = (m: TernaryMatrix, xq: Int8Array, batch: number): Int32Array => {
    const acc = new Int32Array(batch * m.out);
    for (let t = 0; t < batch; t++) {
      const xBase = t * m.in;
      for (let r = 0; r < m.out; r++) {
        let s = 0;
        for (let b = 0; b < m.blocks; b++) {
          const at = (r * m.blocks + b) * BLOCK_BYTES;
          for (let k = 0; k < 128; k++) {
            const j = b * 128 + k;
            if (j >= m.in) break;
            const bit = 0x80 >> (k >> 4);
            if (!(m.packed[at + (k & 15)]! & bit)) continue;
            const v = xq[xBase + j]!;
            s = m.packed[at + 16 + (k & 15)]! & bit ? s - v : s + v;
          }
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
  return {
    name: 'typescript',
    prepareTernaryMatrix(codes, out, inFeatures, gamma) {
      checkGamma(gamma);
      return { out, in: inFeatures, gamma, blocks: blocksPerRow(inFeatures), packed: packTernary(codes, out, inFeatures) };
    },
    gemv: (m, x) => gemm(m, x, 1),
    gemm,
    accumulate,
  };
}
