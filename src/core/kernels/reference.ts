/**
 * Integer reference for tests: acc[t, r] = Σ_j xq[t, j] · codes[r, j], computed
 * the obvious way from the unpacked codes (independent of the packed layout).
 */
export function referenceAccumulators(
  codes: Int8Array, out: number, inFeatures: number, xq: Int8Array, batch: number,
): Int32Array {
  const acc = new Int32Array(batch * out);
  for (let t = 0; t < batch; t++) {
    for (let r = 0; r < out; r++) {
      let s = 0;
      for (let j = 0; j < inFeatures; j++) s += xq[t * inFeatures + j]! * codes[r * inFeatures + j]!;
      acc[t * out + r] = s;
    }
  }
  return acc;
}
