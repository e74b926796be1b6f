/**
 * Float weight matrices for the kernels: the padded layout the wasm kernel
 * walks (ternary.wat, "Float layout"), input checks, and the exact 16-bit →
 * float32 conversions the TypeScript kernel and the tests share with it.
 */
import { BitnetLabError } from '../errors.js';
import { paddedRows } from './packing.js';
import type { FloatWeightType } from './types.js';

/** Largest float matrix we agree to hold (the kernel memory is 4 GiB in all). */
export const MAX_FLOAT_MATRIX_BYTES = 3 * 2 ** 30;

export interface FloatLayout {
  /** Rows padded to a multiple of four. */
  rows: number;
  /** Stored elements per row: `in` padded to one kernel step of 8 inputs. */
  rowElems: number;
  rowBytes: number;
  /** SIMD steps per row. */
  steps: number;
  bytes: number;
}

export function floatLayout(out: number, inFeatures: number, dtype: FloatWeightType): FloatLayout {
  const perStep = 8;
  const rowElems = Math.ceil(inFeatures / perStep) * perStep;
  const rowBytes = rowElems * (dtype === 'f32' ? 4 : 2);
  const rows = paddedRows(out);
  return { rows, rowElems, rowBytes, steps: rowElems / perStep, bytes: rows * rowBytes };
}

export function checkFloatMatrix(weights: Float32Array | Uint16Array, out: number, inFeatures: number, dtype: FloatWeightType): void {
  const what = `${dtype} matrix`;
  if (!Number.isSafeInteger(out) || !Number.isSafeInteger(inFeatures) || out < 1 || inFeatures < 1) {
    throw new BitnetLabError('usage', `${what}: shape [${out}, ${inFeatures}] must be positive integers`);
  }
  const typed = dtype === 'f32' ? weights instanceof Float32Array : weights instanceof Uint16Array;
  if (!typed) {
    throw new BitnetLabError('usage', `${what}: weights must be a ${dtype === 'f32' ? 'Float32Array' : 'Uint16Array of raw 16-bit patterns'}`);
  }
  if (weights.length !== out * inFeatures) {
    throw new BitnetLabError('layout', `${what}: ${weights.length} values for shape [${out}, ${inFeatures}]`);
  }
  if (floatLayout(out, inFeatures, dtype).bytes > MAX_FLOAT_MATRIX_BYTES) {
    throw new BitnetLabError('limit', `${what}: [${out}, ${inFeatures}] is larger than ${MAX_FLOAT_MATRIX_BYTES} bytes`);
  }
  if (dtype === 'f16') {
    // The kernel's half → float conversion is exact for finite halves only (ternary.wat $half4).
    for (let i = 0; i < weights.length; i++) {
      if ((weights[i]! & 0x7c00) === 0x7c00) {
        throw new BitnetLabError('layout', `${what}: weight ${i} (row ${Math.floor(i / inFeatures)}) is Inf or NaN`);
      }
    }
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits → value (exact). */
export function halfToFloat(h: number): number {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits → value (exact: the high half of a float32). */
export function bf16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0]!;
}
