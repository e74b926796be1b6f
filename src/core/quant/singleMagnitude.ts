/**
 * "This tensor already is ternary": every non-zero value is ±one magnitude c,
 * as in a fake-quantized checkpoint or the Q8_0 / F16 rows a GGUF export
 * falls back to where TQ cannot hold a row. Its codes are the signs and
 * γ = c. Quantizing it again would keep the codes but shrink γ to
 * c·(share of non-zeros) — absmean's mean|W| — which is another model than
 * the one the file holds.
 *
 * One rule, fed two ways: value chunks as a tensor streams (inspect's general
 * pass, the runtime's loader), or a histogram of 16-bit patterns (the BF16 /
 * F16 one-pass analysis and quantizer). A tensor of zeros only, or one with a
 * non-finite value, is not ternary.
 */
export class SingleMagnitude {
  private c = NaN;
  private ruledOut = false;

  /** Feed the next values; false from the first value that rules the tensor out (callers may stop feeding). */
  add(values: ArrayLike<number>): boolean {
    if (this.ruledOut) return false;
    let c = this.c;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === 0) continue;
      const a = v < 0 ? -v : v;
      if (a === c) continue;
      if (c !== c && a < Infinity) {
        c = a;
        continue;
      }
      // A second magnitude, NaN or ±Infinity.
      this.ruledOut = true;
      return false;
    }
    this.c = c;
    return true;
  }

  /** Still possibly ternary after what was fed. */
  get possible(): boolean {
    return !this.ruledOut;
  }

  /** c when every value fed was 0 or ±c (and some were not 0); otherwise undefined. */
  get magnitude(): number | undefined {
    return this.ruledOut || this.c !== this.c ? undefined : this.c;
  }
}

/** The same rule over a pattern histogram: counts[b] values decode to values[b]. */
export function singleMagnitudeOfHistogram(counts: ArrayLike<number>, values: ArrayLike<number>): number | undefined {
  let c = NaN;
  for (let b = 0; b < counts.length; b++) {
    if (counts[b]! === 0) continue;
    const v = values[b]!;
    if (v === 0) continue;
    const a = v < 0 ? -v : v;
    if (a === c) continue;
    if (c !== c && a < Infinity) c = a;
    else return undefined;
  }
  return c === c ? c : undefined;
}
