/**
 * The engine's quantizer for tensors stored as BF16/F16 (from
 * HISTOGRAM16_MIN_ELEMENTS values on): pass 1 counts the 65,536 bit patterns
 * while the tensor is read (readTensorHalves), pass 2 maps each pattern to its
 * code through a 65,536-entry table — no element is decoded to float. The
 * scale and the table come from src/core/quant/histogram16.ts, the functions
 * the analysis uses for the same tensors, so `inspect` and `quantize` agree
 * exactly on γ and codes. Writers that can pack straight from the patterns
 * get a pattern → stored-code table instead (patternScale), so no code
 * array is made at all.
 */
import type { TensorEntry } from '../formats/types.js';
import {
  HISTOGRAM16_MIN_ELEMENTS,
  mapHalvesToCodes,
  quantizerFromHistogram16,
  storedHalf16Kind,
  type Half16Kind,
} from '../quant/histogram16.js';
import type { QuantMethod, TernaryTensor } from '../quant/types.js';
import { storedCodeTable } from '../formats/ternary/patternTrits.js';

/** The pattern kind when this tensor takes the histogram route, else undefined. */
export function histogramRouteOf(t: TensorEntry): Half16Kind | undefined {
  return t.params >= HISTOGRAM16_MIN_ELEMENTS ? storedHalf16Kind(t) : undefined;
}

/**
 * Codes and scale of `halves`, given the histogram of exactly those patterns.
 * `codes` is reused when it is large enough; `table` holds the pattern → code map.
 */
export function ternarizeHalves(
  halves: Uint16Array,
  counts: Float64Array,
  kind: Half16Kind,
  method: QuantMethod,
  codes?: Int8Array,
  table?: Int8Array,
): TernaryTensor {
  const q = quantizerFromHistogram16(counts, kind, method, table);
  const out = codes && codes.length >= halves.length ? codes.subarray(0, halves.length) : new Int8Array(halves.length);
  mapHalvesToCodes(halves, q.codeOf, out);
  return { codes: out, scale: q.scale };
}

/**
 * γ of a tensor from the histogram of its patterns, and in `stored` the
 * stored code (trit + 1) of every pattern — the same codes ternarizeHalves
 * gives, as packing tables. `table` is scratch for the pattern → trit map.
 */
export function patternScale(counts: Float64Array, kind: Half16Kind, method: QuantMethod, table: Int8Array, stored: Uint8Array): number {
  const q = quantizerFromHistogram16(counts, kind, method, table);
  storedCodeTable(q.codeOf, stored);
  return q.scale;
}
