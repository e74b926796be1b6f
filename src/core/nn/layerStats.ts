/**
 * Ternary statistics of the BitLinear weights at an evaluation: sparsity,
 * scale and the share of codes that flipped since the previous evaluation
 * (the FAQ's argument for dropping weight decay is about exactly these flips,
 * bitnet-reference.md §2.1). Uses the foundation quantizer, so the numbers are
 * the ones the inspector would show for the saved checkpoint.
 */
import { quantizeWeights } from '../quant/quantize.js';
import type { QuantMethod } from '../quant/types.js';
import type { LayerPoint } from './metricTypes.js';
import type { Params } from './params.js';

export class FlipTracker {
  private readonly previous = new Map<string, Int8Array>();

  constructor(private readonly method: QuantMethod) {}

  measure(params: Params): LayerPoint[] {
    const out: LayerPoint[] = [];
    for (const spec of params.specs) {
      if (spec.kind !== 'bitlinear') continue;
      const t = quantizeWeights(params.values(spec.name), this.method);
      let zeros = 0;
      for (let i = 0; i < t.codes.length; i++) if (t.codes[i] === 0) zeros++;
      const prev = this.previous.get(spec.name);
      let flipRate: number | null = null;
      if (prev && prev.length === t.codes.length) {
        let flips = 0;
        for (let i = 0; i < prev.length; i++) if (prev[i] !== t.codes[i]) flips++;
        flipRate = flips / prev.length;
      }
      this.previous.set(spec.name, t.codes);
      out.push({ name: spec.name, sparsity: zeros / t.codes.length, gamma: t.scale, flipRate });
    }
    return out;
  }
}
