/**
 * The sidebar summary (webview view `bitnetLab.summary`): headline numbers of
 * the active checkpoint. It consumes the same InspectorEvent stream as the
 * inspector (the host forwards the active document's events), plus
 * `{ type: 'clear' }` when no checkpoint is active.
 */
import { LitElement, html, type TemplateResult } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { InspectorEvent } from '../../../src/protocol/inspector.js';
import { applyEvent, currentMethod, emptyData } from './model.js';
import { formatBytes, formatCount, formatFactor, formatPercent, formatSig } from '../shared/format.js';

export type SummaryEvent = InspectorEvent | { type: 'clear' };

/** Parameter-weighted means over analysed quantized tensors (what a model-level figure should be). */
export function weightedMeans(rows: ReturnType<typeof emptyData>['rows']): { n: number; gamma: number; zero: number; rmse: number; nonFinite: number } {
  let w = 0, g = 0, z = 0, e = 0, nf = 0, n = 0;
  for (const r of rows) {
    const s = r.stats;
    if (!r.quantized || s === null) continue;
    n++;
    w += r.params;
    g += s.gamma * r.params;
    z += s.zeroFraction * r.params;
    e += s.relRmse * r.params;
    nf += s.nonFinite;
  }
  return { n, gamma: w ? g / w : NaN, zero: w ? z / w : NaN, rmse: w ? e / w : NaN, nonFinite: nf };
}

@customElement('bn-summary')
export class SummaryView extends LitElement {
  @state() private version = 0;
  private data = emptyData();
  private active = false;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  handle(e: SummaryEvent): void {
    if (e.type === 'clear') {
      this.data = emptyData();
      this.active = false;
      this.version++;
      return;
    }
    if (e.type === 'init') this.active = true;
    if (applyEvent(this.data, e)) this.version = this.data.version;
  }

  protected override render(): TemplateResult {
    const d = this.data;
    if (!this.active) return html`<p class="bn-muted">Open a .safetensors checkpoint to see its BitNet summary here.</p>`;
    if (d.error && d.rows.length === 0) return html`<div class="bn-callout is-error" role="alert"><b>${d.error.code}</b> ${d.error.message}</div>`;
    const t = d.totals;
    const m = weightedMeans(d.rows);
    const quantTensors = d.rows.filter((r) => r.quantized).length;
    return html`<div class="bn-summary">
      <h2 title=${d.fileName}>${d.fileName.split(/[\\/]/).pop()}</h2>
      <dl>
        <dt>parameters</dt><dd>${t ? formatCount(t.params) : '—'}</dd>
        <dt>quantized</dt><dd>${t ? formatPercent(t.params ? t.quantizedParams / t.params : NaN) : '—'}</dd>
        <dt>size as stored</dt><dd>${t ? formatBytes(t.bytes) : '—'}</dd>
        <dt>TQ1_0</dt><dd>${t ? `${formatBytes(t.memory.tq1_0)} (${formatFactor(t.memory.asStored / t.memory.tq1_0)})` : '—'}</dd>
        <dt>method</dt><dd>${currentMethod(d)}</dd>
        <dt>analysed</dt><dd>${m.n} / ${quantTensors}${d.phase === 'analyzing' && d.progress ? ` (${formatPercent(d.progress.total ? d.progress.done / d.progress.total : NaN, 0)})` : ''}</dd>
        <dt>mean γ</dt><dd>${m.n > 0 ? formatSig(m.gamma) : '—'}</dd>
        <dt>mean zeros</dt><dd>${formatPercent(m.zero)}</dd>
        <dt>mean rel. RMSE</dt><dd>${m.n > 0 ? formatSig(m.rmse) : '—'}</dd>
        ${m.nonFinite > 0 ? html`<dt>NaN/Inf</dt><dd class="bn-row-error">${formatCount(m.nonFinite)}</dd>` : ''}
      </dl>
      ${d.error ? html`<div class="bn-callout is-error">${d.error.message}</div>` : ''}
      ${d.phase === 'cancelled' ? html`<div class="bn-muted">analysis cancelled</div>` : ''}
    </div>`;
  }
}
