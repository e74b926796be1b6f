import { afterAll, describe, expect, it } from 'vitest';
import { initBackend, type ActiveBackend } from '../../../src/core/backend.js';
import { quantizeActivationsPerToken } from '../../../src/core/quant/activation.js';
import { quantizeWeights } from '../../../src/core/quant/quantize.js';
import { tfQuantizeActivations, tfQuantizeWeights, tfWeightFakeQuant } from '../../../src/core/quant/tfjsQuant.js';
import { dequantizeTernary } from '../../../src/core/quant/absmean.js';
import { QUANT_METHODS } from '../../../src/core/quant/types.js';
import { gaussian, toBf16 } from './random.js';

/** Index of the first element that differs (Object.is: −0 ≠ +0), or −1 — deep-equal on 10⁵ elements is slow. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, same: (x: number, y: number) => boolean = Object.is): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return i;
  return -1;
}

// A tensor big enough that float32 summation would drift (wasm tf.mean), plus ties and non-finite values.
function weights(): Float32Array {
  const w = gaussian(1 << 17, 99, 0.02);
  w.set([0.5, -0.5, 1.5, -1.5, NaN, Infinity, -Infinity, 0], 0);
  return w;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`tfjs path agrees exactly with the typed-array path (${backend})`, () => {
    let be: ActiveBackend;
    const get = async () => (be ??= await initBackend(backend));
    afterAll(() => be?.tf.disposeVariables());

    it('tf.round rounds half to even', async () => {
      const { tf, name } = await get();
      expect(name).toBe(backend);
      const r = tf.round(tf.tensor1d([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])).arraySync() as number[];
      expect(r.map((v) => v + 0)).toEqual([0, 2, 2, 0, -2, -2, 4]);
    });

    for (const method of QUANT_METHODS) {
      it(`${method} weights: same codes, same scale, same fake-quant values`, async () => {
        const { tf } = await get();
        for (const data of [weights(), toBf16(gaussian(4096, 5)), new Float32Array(64)]) {
          const w = tf.tensor2d(data, [data.length / 64, 64]);
          const ref = quantizeWeights(data, method);
          const got = tfQuantizeWeights(tf, w, method);
          expect(got.scale).toBe(ref.scale);
          expect(firstDifference(got.codes.dataSync(), ref.codes)).toBe(-1);
          const fq = tfWeightFakeQuant(tf, w, method);
          expect(firstDifference(fq.dataSync(), dequantizeTernary(ref))).toBe(-1);
          tf.dispose([w, got.codes, fq]);
        }
      });
    }

    it('per-token int8 activations: same codes and scales', async () => {
      const { tf } = await get();
      const x = gaussian(64 * 96, 4, 3);
      x.set([127, 0.5, 1.5, 2.5, -2.5, -127], 0); // a token whose sx is 1 exactly
      x.fill(0, 96, 192); // an all-zero token
      x[300] = NaN;
      const ref = quantizeActivationsPerToken(x, 96);
      const t = tf.tensor2d(x, [64, 96]);
      const got = tfQuantizeActivations(tf, t);
      expect(firstDifference(got.scales.dataSync(), ref.scales)).toBe(-1);
      // Integer codes: tf.round(−0.3) is −0, which is the code 0.
      expect(firstDifference(got.codes.dataSync(), ref.codes, (a, b) => a === b)).toBe(-1);
      tf.dispose([t, got.codes, got.scales]);
    });
  });
}
