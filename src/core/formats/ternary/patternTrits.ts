/**
 * Packing straight from stored 16-bit patterns (BF16/F16) for the quantize
 * engine's histogram route: the code of an element is a function of its
 * pattern alone (src/core/quant/histogram16.ts), so a 65,536-entry table of
 * stored 2-bit codes (trit + 1) lets the encoders read patterns and write
 * packed bytes in one pass — no Int8 code array in between. The code-based
 * encoders stay the reference; tests check both give the same bytes.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Stored code (trit + 1: −1→0, 0→1, +1→2) of every pattern, from a pattern → trit table. */
export function storedCodeTable(codeOf: Int8Array, out: Uint8Array = new Uint8Array(65536)): Uint8Array {
  if (codeOf.length < 65536 || out.length < 65536) throw new RangeError('pattern tables hold 65,536 entries');
  for (let b = 0; b < 65536; b++) out[b] = codeOf[b]! + 1;
  return out;
}

/** True when `halves` can be read as little-endian pattern pairs (two per 32-bit word). */
export function pairsReadable(halves: Uint16Array): boolean {
  return LITTLE_ENDIAN && halves.byteOffset % 4 === 0;
}

/**
 * The layout TQ2_0 and I2_S share: 128 elements → 32 bytes, byte m holding
 * elements m, 32+m, 64+m, 96+m at bit offsets sh0..sh3. Groups `first` …
 * `first + count − 1` of `halves` (group g = elements 128g…) go to
 * out[o + 32k]. `pairs` is the pair view of `halves` (pairsReadable) or
 * undefined. Two output bytes per step from one 32-bit word per row: the
 * per-element work is a table load, a shift and an OR.
 */
export function pack128Groups(
  halves: Uint16Array,
  pairs: Uint32Array | undefined,
  first: number,
  count: number,
  s: Uint8Array,
  out: Uint8Array,
  o: number,
  sh0: number,
  sh1: number,
  sh2: number,
  sh3: number,
): void {
  if (pairs !== undefined) {
    for (let g = 0; g < count; g++) {
      const p = (first + g) * 64;
      const ob = o + 32 * g;
      for (let k = 0; k < 16; k++) {
        const a = pairs[p + k]!;
        const b = pairs[p + 16 + k]!;
        const c = pairs[p + 32 + k]!;
        const d = pairs[p + 48 + k]!;
        out[ob + 2 * k] = (s[a & 0xffff]! << sh0) | (s[b & 0xffff]! << sh1) | (s[c & 0xffff]! << sh2) | (s[d & 0xffff]! << sh3);
        out[ob + 2 * k + 1] = (s[a >>> 16]! << sh0) | (s[b >>> 16]! << sh1) | (s[c >>> 16]! << sh2) | (s[d >>> 16]! << sh3);
      }
    }
    return;
  }
  for (let g = 0; g < count; g++) {
    const x = (first + g) * 128;
    const ob = o + 32 * g;
    for (let m = 0; m < 32; m++) {
      out[ob + m] =
        (s[halves[x + m]!]! << sh0) | (s[halves[x + 32 + m]!]! << sh1) | (s[halves[x + 64 + m]!]! << sh2) | (s[halves[x + 96 + m]!]! << sh3);
    }
  }
}
