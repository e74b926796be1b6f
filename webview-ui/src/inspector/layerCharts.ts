/** γ and sparsity against layer depth, one line per projection kind. */
import { LitElement, html, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { TensorRow } from '../../../src/protocol/inspector.js';
import { buildLayerSeries } from './layerSeries.js';
import { parseLayerName } from './layerNames.js';
import { formatSig } from '../shared/format.js';

@customElement('bn-layer-charts')
export class LayerCharts extends LitElement {
  @property({ attribute: false }) rows: readonly TensorRow[] = [];
  @property({ type: Number }) version = 0;
  @property({ type: String }) phase = '';

  private cacheKey = -1;
  private cached: { gamma: ReturnType<typeof buildLayerSeries>; zero: ReturnType<typeof buildLayerSeries>; domain: [number, number] | undefined } | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult {
    if (this.cacheKey !== this.version || this.cached === undefined) {
      this.cacheKey = this.version;
      // The x axis spans every layer from the start, so curves grow left to right as the analysis streams.
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of this.rows) {
        const ln = r.quantized ? parseLayerName(r.name) : undefined;
        if (!ln) continue;
        lo = Math.min(lo, ln.layer);
        hi = Math.max(hi, ln.layer);
      }
      this.cached = {
        gamma: buildLayerSeries(this.rows, (s) => s.gamma),
        zero: buildLayerSeries(this.rows, (s) => s.zeroFraction * 100),
        domain: lo <= hi ? [lo, hi] : undefined,
      };
    }
    const { gamma, zero, domain } = this.cached;
    if (gamma.length === 0) {
      const msg = this.phase === 'done' ? 'No layer-indexed quantized tensors (names without a layer number).' : 'Per-layer charts appear as the analysis streams in.';
      return html`<div class="bn-card bn-layer-empty">${msg}</div>`;
    }
    return html`
      <section class="bn-card" aria-labelledby="bn-h-gamma">
        <h3 id="bn-h-gamma" class="bn-card-title">Scale γ by layer</h3>
        <bn-line-chart id="chart-gamma" .series=${gamma} .xDomain=${domain} xLabel="layer" xIntegers .yFormat=${(v: number) => formatSig(v, 2)} zeroBased height="190" label="Scale factor gamma against layer index, one line per projection"></bn-line-chart>
      </section>
      <section class="bn-card" aria-labelledby="bn-h-zero">
        <h3 id="bn-h-zero" class="bn-card-title">Sparsity (zero %) by layer</h3>
        <bn-line-chart id="chart-zero" .series=${zero} .xDomain=${domain} xLabel="layer" xIntegers .yFormat=${(v: number) => `${formatSig(v, 4)}%`} height="190" label="Share of zero codes against layer index, one line per projection"></bn-line-chart>
      </section>`;
  }
}
