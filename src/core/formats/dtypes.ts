/**
 * Storage dtypes of safetensors files (and their decoding to float32).
 *
 * Names are the Rust `safetensors::Dtype` variant names, which is what files
 * carry in their "dtype" field. `rank` is the position in that enum: the Rust
 * writer sorts tensors by descending rank (its "alignment order"), so we need
 * it to reproduce the crate's layout byte for byte.
 * [huggingface/safetensors, safetensors/src/tensor.rs, `enum Dtype` and `prepare`]
 *
 * All data is little-endian. Decoders never build a typed-array view at an
 * offset that is not a multiple of the element size (that throws in JS);
 * unaligned input goes through a DataView.
 */
import { BitnetLabError } from '../errors.js';

export interface DtypeInfo {
  readonly name: string;
  readonly bits: number;
  /** Position in the Rust enum; larger sorts first in the canonical layout. */
  readonly rank: number;
  /** False for types we can size but not turn into one float (complex). */
  readonly decodable: boolean;
}

const TABLE: ReadonlyArray<[string, number, boolean]> = [
  // Order matters: it is the Rust enum order (see header comment).
  ['BOOL', 8, true],
  ['U8', 8, true],
  ['I8', 8, true],
  ['F8_E5M2', 8, true],
  ['F8_E4M3', 8, true],
  ['F8_E8M0', 8, true],
  ['I16', 16, true],
  ['U16', 16, true],
  ['F16', 16, true],
  ['BF16', 16, true],
  ['I32', 32, true],
  ['U32', 32, true],
  ['F32', 32, true],
  ['C64', 64, false],
  ['F64', 64, true],
  ['I64', 64, true],
  ['U64', 64, true],
];

export const DTYPES: ReadonlyMap<string, DtypeInfo> = new Map(
  TABLE.map(([name, bits, decodable], rank) => [name, { name, bits, rank, decodable }]),
);

export function dtypeInfo(dtype: string): DtypeInfo | undefined {
  return DTYPES.get(dtype);
}

export function isKnownDtype(dtype: string): boolean {
  return DTYPES.has(dtype);
}

/** Bytes per element; throws a 'dtype' error for names we do not know. */
export function dtypeBytes(dtype: string): number {
  const info = DTYPES.get(dtype);
  if (info === undefined) throw new BitnetLabError('dtype', `unknown dtype "${dtype}"`);
  return info.bits / 8;
}

// ---------------------------------------------------------------------------
// Scalar conversions (exported for tests and for GGUF's f16 block scales).

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE 754 binary16 → number, including subnormals, ±inf and NaN. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // subnormal: m·2^-24
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** bfloat16 is the top half of a float32. */
export function bf16ToF32(h: number): number {
  u32Scratch[0] = (h & 0xffff) << 16;
  return f32Scratch[0]!;
}

/**
 * OCP FP8 E4M3 ("FN": finite, as in torch.float8_e4m3fn): bias 7, no
 * infinities, only S.1111.111 is NaN, so the largest value is 1.75·2^8 = 448.
 * [OCP 8-bit Floating Point Specification (OFP8) v1.0, Table 1; arXiv 2209.05433]
 */
export function f8e4m3ToF32(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >>> 3) & 0xf;
  const mant = b & 0x7;
  if (exp === 0xf && mant === 0x7) return NaN;
  if (exp === 0) return sign * mant * 2 ** -9; // subnormal: (m/8)·2^(1-7)
  return sign * (1 + mant / 8) * 2 ** (exp - 7);
}

/** OCP FP8 E5M2: IEEE-like, bias 15, exponent 31 holds ±inf (m = 0) and NaN. Max 57344. */
export function f8e5m2ToF32(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >>> 2) & 0x1f;
  const mant = b & 0x3;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * mant * 2 ** -16; // (m/4)·2^(1-15)
  return sign * (1 + mant / 4) * 2 ** (exp - 15);
}

/** OCP MX E8M0 scale: 2^(b-127), 0xFF is NaN, no sign, no zero. */
export function f8e8m0ToF32(b: number): number {
  return b === 0xff ? NaN : 2 ** (b - 127);
}

/** float32 → binary16 bits, round to nearest, ties to even; overflow → ±inf; NaN stays NaN (quiet). */
export function f32ToF16Bits(x: number): number {
  f32Scratch[0] = x;
  const b = u32Scratch[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Result is subnormal (or zero): shift the full significand into place.
    if (e < -10) return sign; // below 2^-25: rounds to zero (2^-25 itself is a tie → even → 0)
    const full = mant | 0x800000;
    const shift = 14 - e;
    let h = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h; // h may reach 0x400, the smallest normal: still correct
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // carry may roll into inf: correct
  return sign | h;
}

/** float32 → bfloat16 bits, round to nearest, ties to even; NaN stays a quiet NaN. */
export function f32ToBf16Bits(x: number): number {
  f32Scratch[0] = x;
  const b = u32Scratch[0]!;
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

// ---------------------------------------------------------------------------
// Lookup tables: F16 and the 8-bit floats decode by table, which is both
// exact and several times faster than arithmetic per element.

let f16Table: Float32Array | undefined;
function getF16Table(): Float32Array {
  if (f16Table === undefined) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = f16ToF32(i);
  }
  return f16Table;
}

const byteTables = new Map<string, Float32Array>();
function getByteTable(dtype: string): Float32Array {
  let t = byteTables.get(dtype);
  if (t === undefined) {
    const fn =
      dtype === 'F8_E4M3' ? f8e4m3ToF32
      : dtype === 'F8_E5M2' ? f8e5m2ToF32
      : dtype === 'F8_E8M0' ? f8e8m0ToF32
      : dtype === 'I8' ? (b: number) => (b << 24) >> 24
      : dtype === 'BOOL' ? (b: number) => (b !== 0 ? 1 : 0)
      : (b: number) => b; // U8
    t = new Float32Array(256);
    for (let i = 0; i < 256; i++) t[i] = fn(i);
    byteTables.set(dtype, t);
  }
  return t;
}

// ---------------------------------------------------------------------------
// Bulk decode.

/**
 * Decodes `count` elements of `dtype` starting at byte `srcByteOffset` of
 * `src` into `dst[dstOffset…]` as float32. I64/U64 go through float64 (exact
 * below 2^53) and then float32 rounding.
 */
export function decodeToFloat32(
  dtype: string,
  src: Uint8Array,
  srcByteOffset: number,
  count: number,
  dst: Float32Array,
  dstOffset = 0,
): void {
  const info = DTYPES.get(dtype);
  if (info === undefined) throw new BitnetLabError('dtype', `unknown dtype "${dtype}"`);
  if (!info.decodable) throw new BitnetLabError('unsupported', `dtype ${dtype} has no single-float value to decode`);
  const size = info.bits / 8;
  if (srcByteOffset < 0 || srcByteOffset + count * size > src.byteLength || dstOffset + count > dst.length) {
    throw new RangeError(`decode ${dtype}: ${count} elements do not fit the given buffers`);
  }
  const abs = src.byteOffset + srcByteOffset; // alignment is about the underlying ArrayBuffer
  const aligned = LITTLE_ENDIAN && abs % size === 0;
  const buf = src.buffer;

  if (size === 1) {
    const table = getByteTable(dtype);
    for (let i = 0; i < count; i++) dst[dstOffset + i] = table[src[srcByteOffset + i]!]!;
    return;
  }

  if (aligned) {
    switch (dtype) {
      case 'BF16': {
        // The hot path of checkpoint analysis (most checkpoints are BF16): bits
        // only, through Int32 so V8 never boxes a value ≥ 2^31 as a double.
        const d = new Int32Array(dst.buffer, dst.byteOffset + dstOffset * 4, count);
        let i = 0;
        if (abs % 4 === 0) {
          // Two bf16 per 32-bit load: the low half is element 2k, the high half 2k+1.
          const pairs = count >>> 1;
          const s32 = new Int32Array(buf, abs, pairs);
          for (let k = 0, j = 0; k < pairs; k++, j += 2) {
            const v = s32[k]!;
            d[j] = v << 16;
            d[j + 1] = v & -65536;
          }
          i = pairs * 2;
        }
        const s = new Uint16Array(buf, abs, count);
        for (; i < count; i++) d[i] = s[i]! << 16;
        return;
      }
      case 'F16': {
        const t = getF16Table();
        const s = new Uint16Array(buf, abs, count);
        for (let i = 0; i < count; i++) dst[dstOffset + i] = t[s[i]!]!;
        return;
      }
      case 'F32':
        dst.set(new Float32Array(buf, abs, count), dstOffset);
        return;
      case 'F64':
        dst.set(new Float64Array(buf, abs, count), dstOffset);
        return;
      case 'I16':
        dst.set(new Int16Array(buf, abs, count), dstOffset);
        return;
      case 'U16':
        dst.set(new Uint16Array(buf, abs, count), dstOffset);
        return;
      case 'I32':
        dst.set(new Int32Array(buf, abs, count), dstOffset);
        return;
      case 'U32':
        dst.set(new Uint32Array(buf, abs, count), dstOffset);
        return;
      default:
        break; // 64-bit integers: the DataView path below is as good as any
    }
  }

  const v = new DataView(buf, abs, count * size);
  switch (dtype) {
    case 'BF16':
      for (let i = 0; i < count; i++) dst[dstOffset + i] = bf16ToF32(v.getUint16(i * 2, true));
      return;
    case 'F16': {
      const t = getF16Table();
      for (let i = 0; i < count; i++) dst[dstOffset + i] = t[v.getUint16(i * 2, true)]!;
      return;
    }
    case 'F32':
      for (let i = 0; i < count; i++) dst[dstOffset + i] = v.getFloat32(i * 4, true);
      return;
    case 'F64':
      for (let i = 0; i < count; i++) dst[dstOffset + i] = v.getFloat64(i * 8, true);
      return;
    case 'I16':
      for (let i = 0; i < count; i++) dst[dstOffset + i] = v.getInt16(i * 2, true);
      return;
    case 'U16':
      for (let i = 0; i < count; i++) dst[dstOffset + i] = v.getUint16(i * 2, true);
      return;
    case 'I32':
      for (let i = 0; i < count; i++) dst[dstOffset + i] = v.getInt32(i * 4, true);
      return;
    case 'U32':
      for (let i = 0; i < count; i++) dst[dstOffset + i] = v.getUint32(i * 4, true);
      return;
    case 'I64':
      // hi is signed: value = hi·2^32 + lo, computed in float64.
      for (let i = 0; i < count; i++) dst[dstOffset + i] = v.getInt32(i * 8 + 4, true) * 4294967296 + v.getUint32(i * 8, true);
      return;
    case 'U64':
      for (let i = 0; i < count; i++) dst[dstOffset + i] = v.getUint32(i * 8 + 4, true) * 4294967296 + v.getUint32(i * 8, true);
      return;
    default:
      throw new BitnetLabError('unsupported', `no decoder for dtype ${dtype}`);
  }
}

/**
 * Encodes float32 values as F32, F16 or BF16 little-endian bytes (round to
 * nearest even for the 16-bit types), into `dst` if given (must be large enough).
 */
export function encodeFromFloat32(dtype: 'F32' | 'F16' | 'BF16', src: ArrayLike<number>, dst?: Uint8Array): Uint8Array {
  const size = dtype === 'F32' ? 4 : 2;
  const n = src.length;
  const out = dst ?? new Uint8Array(n * size);
  if (out.byteLength < n * size) throw new RangeError(`encode ${dtype}: destination too small`);
  const v = new DataView(out.buffer, out.byteOffset, n * size);
  if (dtype === 'F32') {
    for (let i = 0; i < n; i++) v.setFloat32(i * 4, src[i]!, true);
  } else if (dtype === 'F16') {
    for (let i = 0; i < n; i++) v.setUint16(i * 2, f32ToF16Bits(src[i]!), true);
  } else {
    for (let i = 0; i < n; i++) v.setUint16(i * 2, f32ToBf16Bits(src[i]!), true);
  }
  return out.subarray(0, n * size);
}
