import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmTernaryKernel, type WasmTernaryKernel } from '../../../src/core/kernels/wasmKernel.js';
import { createTsTernaryKernel } from '../../../src/core/kernels/tsKernel.js';
import { referenceAccumulators } from '../../../src/core/kernels/reference.js';
import { randomCodes, randomInt8, rng } from './rng.js';

// Odd and edge shapes: one input, one block ± 1 (64 inputs), two blocks ± 1,
// 16 blocks ± 1 (where the i16 lanes are widened), rows off the group of four.
const INS = [1, 3, 17, 63, 64, 65, 127, 129, 1000, 1023, 1025, 2049];
const OUTS = [1, 3, 5, 7, 33];
// Batches off and on the 4-token kernel: 1 token, 4 exactly, 4 + remainders.
const BATCHES = [1, 3, 4, 6, 9];

// Every variant the product can run: relaxed SIMD and its plain-SIMD rewrite,
// each on 1, 2 and 3 threads; minParallelWork 0 splits even the tiny shapes.
const variants: Array<{ simd: 'relaxed' | 'plain'; threads: number; kernel?: WasmTernaryKernel }> = [];
for (const simd of ['relaxed', 'plain'] as const) for (const threads of [1, 2, 3]) variants.push({ simd, threads });

beforeAll(async () => {
  for (const v of variants) v.kernel = await createWasmTernaryKernel({ simd: v.simd, threads: v.threads, minParallelWork: 0, minWakeWork: 0 });
});
afterAll(() => {
  for (const v of variants) v.kernel?.close();
});

describe('ternary kernels are exact against the integer reference', () => {
  const ts = createTsTernaryKernel();
  for (const inF of INS) {
    it(`in = ${inF}, out ${OUTS.join('/')}, batch ${BATCHES.join('/')}, every SIMD variant and thread count`, () => {
      const next = rng(inF * 1000 + 7);
      for (const out of OUTS) {
        const codes = randomCodes(out * inF, next);
        const mt = ts.prepareTernaryMatrix(codes, out, inF, 0.5);
        for (const batch of BATCHES) {
          const xq = randomInt8(batch * inF, next);
          const ref = Array.from(referenceAccumulators(codes, out, inF, xq, batch));
          expect(Array.from(ts.accumulate(mt, xq, batch))).toEqual(ref);
          for (const v of variants) {
            const k = v.kernel!;
            const m = k.prepareTernaryMatrix(codes, out, inF, 0.5);
            expect(Array.from(k.accumulate(m, xq, batch)), `${v.simd} × ${v.threads} threads [${out}, ${inF}] batch ${batch}`).toEqual(ref);
            k.release(m);
          }
        }
      }
    });
  }

  it('batched path (tiles decoded once, tokens in fours interleaved): several tiles, every thread split, batch 4–13', () => {
    // 70 rows = 18 row groups: two full 8-group tiles and a partial one, split
    // unevenly over 2 and 3 threads; 2049 inputs = 33 blocks, so the i16 lanes
    // are widened twice and a last partial chunk follows.
    const inF = 2049;
    const out = 70;
    const next = rng(4242);
    const codes = randomCodes(out * inF, next);
    for (const batch of [4, 5, 8, 12, 13]) {
      const xq = randomInt8(batch * inF, next);
      const ref = Array.from(referenceAccumulators(codes, out, inF, xq, batch));
      for (const v of variants) {
        const k = v.kernel!;
        const m = k.prepareTernaryMatrix(codes, out, inF, 0.5);
        expect(Array.from(k.accumulate(m, xq, batch)), `${v.simd} × ${v.threads} threads batch ${batch}`).toEqual(ref);
        k.release(m);
      }
    }
  });

  it('holds at the int16 overflow edge: all +127 against all +1 (and −127 against −1) over 4100 inputs', () => {
    // 16 blocks of 64 inputs fill an i16 lane to 32512 when every code is 2 (+1)
    // and every input 127; one more block would overflow without the widening.
    const inF = 4100;
    const out = 6;
    const codes = new Int8Array(out * inF);
    codes.fill(1, 0, 3 * inF);
    codes.fill(-1, 3 * inF);
    for (const v of variants) {
      const k = v.kernel!;
      const m = k.prepareTernaryMatrix(codes, out, inF, 1);
      for (const x of [127, -127]) {
        const acc = k.accumulate(m, new Int8Array(9 * inF).fill(x), 9);
        for (let t = 0; t < 9; t++) {
          for (let r = 0; r < out; r++) expect(acc[t * out + r]).toBe(r < 3 ? x * inF : -x * inF);
        }
      }
      k.release(m);
    }
  });

  it('keeps results right when matrices come and go in the shared memory, and adopts matrices packed elsewhere', () => {
    const next = rng(7);
    const k = variants.find((v) => v.threads === 2)!.kernel!;
    const a = randomCodes(33 * 300, next);
    const b = randomCodes(5 * 2000, next);
    const ma = k.prepareTernaryMatrix(a, 33, 300, 1);
    const mb = createTsTernaryKernel().prepareTernaryMatrix(b, 5, 2000, 1); // packed in JS, copied in on first use
    const xa = randomInt8(3 * 300, next);
    const xb = randomInt8(70 * 2000, next);
    for (let round = 0; round < 3; round++) {
      expect(Array.from(k.accumulate(ma, xa, 3))).toEqual(Array.from(referenceAccumulators(a, 33, 300, xa, 3)));
      expect(Array.from(k.accumulate(mb, xb, 70))).toEqual(Array.from(referenceAccumulators(b, 5, 2000, xb, 70)));
      // a freed region is reused by the next matrix; the live ones must not notice
      const tmp = k.prepareTernaryMatrix(randomCodes(64 * 64, next), 64, 64, 1);
      k.release(tmp);
    }
  });

  it('ignores whatever sits in the activation padding of the staging area', () => {
    // A wide call leaves nonzero activations behind; a narrower one must zero its own padding.
    const k = variants[0]!.kernel!;
    const next = rng(9);
    const wide = k.prepareTernaryMatrix(randomCodes(4 * 128, next), 4, 128, 1);
    k.accumulate(wide, new Int8Array(128).fill(100), 1);
    const codes = new Int8Array(4 * 65).fill(0); // every weight 0: padding with code 1 would count x there
    const m = k.prepareTernaryMatrix(codes, 4, 65, 1);
    expect(Array.from(k.accumulate(m, new Int8Array(65).fill(1), 1))).toEqual([0, 0, 0, 0]);
  });
});
