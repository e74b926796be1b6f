import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmTernaryKernel, type WasmTernaryKernel } from '../../../src/core/kernels/wasmKernel.js';
import { referenceAccumulators } from '../../../src/core/kernels/reference.js';
import { randomCodes, randomInt8, rng } from './rng.js';

// The threaded call protocol (ternary.wat "threads"): parts claimed through one
// ticket, workers that spin for a while, then sleep in the futex and must be
// woken. Calls in quick succession hit the spinning workers; an idle gap
// longer than the spin puts them to sleep; both must give the exact result.
const kernels: WasmTernaryKernel[] = [];

beforeAll(async () => {
  for (const threads of [2, 3]) kernels.push(await createWasmTernaryKernel({ threads, minParallelWork: 0, minWakeWork: 0 }));
  // the product's setting: calls this small leave sleeping workers asleep, and must not wait for them
  kernels.push(await createWasmTernaryKernel({ threads: 2, minParallelWork: 0 }));
});
afterAll(() => {
  for (const k of kernels) k.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('threaded kernel calls', () => {
  // 300 rows = 75 row groups: several parts per thread, the last one partial.
  const out = 300;
  const inF = 200;
  const next = rng(1313);
  const codes = randomCodes(out * inF, next);
  const inputs = Array.from({ length: 7 }, () => randomInt8(inF, next));
  const refs = inputs.map((x) => Array.from(referenceAccumulators(codes, out, inF, x, 1)));

  it('stay exact over thousands of back-to-back calls, on 2 and 3 threads, waking sleepers or not', () => {
    for (const k of kernels) {
      const m = k.prepareTernaryMatrix(codes, out, inF, 1);
      for (let call = 0; call < 3000; call++) {
        const i = call % inputs.length;
        const got = k.accumulate(m, inputs[i]!, 1);
        // compare every call, but build arrays only on a mismatch
        for (let r = 0; r < out; r++) {
          if (got[r] !== refs[i]![r]) expect(Array.from(got), `${k.threads} threads, call ${call}`).toEqual(refs[i]);
        }
      }
      k.release(m);
    }
  });

  it('wake sleeping workers after an idle gap, and mix batched and float calls with them', async () => {
    for (const k of kernels) {
      const m = k.prepareTernaryMatrix(codes, out, inF, 1);
      const f = k.prepareFloatMatrix(new Float32Array(out * inF).fill(0.25), out, inF, 'f32');
      const x = new Float32Array(inF).fill(2);
      for (let round = 0; round < 3; round++) {
        // 50 ms is far past a worker's spin (hundreds of microseconds): every worker is asleep now
        await sleep(50);
        expect(Array.from(k.accumulate(m, inputs[round]!, 1)), `${k.threads} threads after a gap`).toEqual(refs[round]);
        const batch = new Int8Array(5 * inF);
        for (let t = 0; t < 5; t++) batch.set(inputs[t]!, t * inF);
        expect(Array.from(k.accumulate(m, batch, 5))).toEqual(refs.slice(0, 5).flat());
        // 0.25 · 2 summed over 200 inputs is exact in float32
        expect(Array.from(k.gemvFloat(f, x))).toEqual(new Array(out).fill(100));
      }
      k.release(m);
      k.release(f);
    }
  });

  it('refuse calls after close() instead of waiting for workers that are gone', async () => {
    const k = await createWasmTernaryKernel({ threads: 2, minParallelWork: 0, minWakeWork: 0 });
    const m = k.prepareTernaryMatrix(codes, out, inF, 1);
    expect(Array.from(k.accumulate(m, inputs[0]!, 1))).toEqual(refs[0]);
    k.close();
    expect(() => k.accumulate(m, inputs[0]!, 1)).toThrow(/after close/);
  });
});
