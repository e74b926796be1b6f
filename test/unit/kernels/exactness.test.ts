import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmTernaryKernel, type WasmTernaryKernel } from '../../../src/core/kernels/wasmKernel.js';
import { createTsTernaryKernel } from '../../../src/core/kernels/tsKernel.js';
import { referenceAccumulators } from '../../../src/core/kernels/reference.js';
import { randomCodes, randomInt8, rng } from './rng.js';

const INS = [1, 3, 17, 127, 128, 129, 1000, 2049];
const OUTS = [1, 5, 33];

let wasm: WasmTernaryKernel;
beforeAll(async () => {
  wasm = await createWasmTernaryKernel();
});

describe('ternary kernels are exact against the integer reference', () => {
  const ts = createTsTernaryKernel();
  for (const inF of INS) {
    for (const out of OUTS) {
      it(`[${out}, ${inF}] batch 1, 6`, () => {
        const next = rng(inF * 1000 + out);
        const codes = randomCodes(out * inF, next);
        for (const batch of [1, 6]) {
          const xq = randomInt8(batch * inF, next);
          const ref = referenceAccumulators(codes, out, inF, xq, batch);
          const mw = wasm.prepareTernaryMatrix(codes, out, inF, 0.5);
          const mt = ts.prepareTernaryMatrix(codes, out, inF, 0.5);
          expect(Array.from(wasm.accumulate(mw, xq, batch))).toEqual(Array.from(ref));
          expect(Array.from(ts.accumulate(mt, xq, batch))).toEqual(Array.from(ref));
        }
      });
    }
  }

  it('holds at the int16 overflow edge: all +127 against all +1 (and −127 against −1) over 4100 inputs', () => {
    // 16 blocks of 128 inputs fill an i16 lane to 32512; one more block would overflow
    // without the periodic widening to int32.
    const inF = 4100;
    const out = 2;
    const codes = new Int8Array(out * inF);
    codes.fill(1, 0, inF);
    codes.fill(-1, inF);
    for (const v of [127, -127]) {
      const xq = new Int8Array(9 * inF).fill(v);
      const acc = wasm.accumulate(wasm.prepareTernaryMatrix(codes, out, inF, 1), xq, 9);
      for (let t = 0; t < 9; t++) {
        expect(acc[t * out]).toBe(v * inF);
        expect(acc[t * out + 1]).toBe(-v * inF);
      }
    }
  });

  it('keeps results right when several matrices take turns in wasm memory', () => {
    const next = rng(7);
    const a = randomCodes(33 * 300, next);
    const b = randomCodes(5 * 2000, next);
    const ma = wasm.prepareTernaryMatrix(a, 33, 300, 1);
    const mb = wasm.prepareTernaryMatrix(b, 5, 2000, 1);
    const xa = randomInt8(3 * 300, next);
    const xb = randomInt8(70 * 2000, next); // > one token chunk
    for (let round = 0; round < 2; round++) {
      expect(Array.from(wasm.accumulate(ma, xa, 3))).toEqual(Array.from(referenceAccumulators(a, 33, 300, xa, 3)));
      expect(Array.from(wasm.accumulate(mb, xb, 70))).toEqual(Array.from(referenceAccumulators(b, 5, 2000, xb, 70)));
    }
  });
});
