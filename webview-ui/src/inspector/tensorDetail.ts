/**
 * Detail of one tensor: the histogram of W with the quantizer's thresholds
 * and levels drawn on it, the ternary split, and every statistic.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { TensorRow } from '../../../src/protocol/inspector.js';
import type { Marker } from '../shared/charts/index.js';
import { formatBytes, formatCount, formatPercent, formatSig } from '../shared/format.js';
import { readChartTheme, onThemeChange } from '../shared/theme.js';

export interface HistogramData {
  name: string;
  edges: Float64Array;
  counts: Float64Array;
  thresholds: number[];
  gamma: number;
}

/** Series colour indices for −1, 0, +1 (red, grey, blue in both themes). */
export const CODE_COLORS = [1, 9, 0];

@customElement('bn-tensor-detail')
export class TensorDetail extends LitElement {
  @property({ attribute: false }) row: TensorRow | undefined;
  @property({ attribute: false }) histogram: HistogramData | undefined;
  @property({ type: Boolean }) logY = false;
  @property({ type: Boolean }) histogramMissing = false;
  private unsubscribe: (() => void) | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = onThemeChange(() => this.paintSplit());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  /** Symbolic labels on the chart (numbers are in the legend below, where they do not collide). */
  private markers(h: HistogramData): Marker[] {
    const g = h.gamma;
    const th = h.thresholds;
    const out: Marker[] = [];
    if (th.length === 2) {
      // Reports round to ~6 significant digits; 0.1 % tells γ/2 apart from a median threshold.
      const half = Math.abs(th[1]! - g / 2) <= 1e-3 * g;
      out.push({ x: th[0]!, label: half ? '−γ/2' : '−t', kind: 'threshold' }, { x: th[1]!, label: half ? '+γ/2' : '+t', kind: 'threshold' });
      out.push({ x: -g, label: '−γ', kind: 'level' }, { x: 0, label: '0', kind: 'level' }, { x: g, label: '+γ', kind: 'level' });
    } else {
      // Binary (sign) quantizer: one threshold (mean W), two levels.
      th.forEach((t) => out.push({ x: t, label: 'mean', kind: 'threshold' }));
      out.push({ x: -g, label: '−β', kind: 'level' }, { x: g, label: '+β', kind: 'level' });
    }
    return out;
  }

  /**
   * x range to draw: the bins holding the central 99 % of the weights,
   * widened to show every marker. Outliers otherwise squash the body of the
   * distribution into a few pixels.
   */
  private viewRange(h: HistogramData): { view: [number, number]; clipped: boolean } {
    const n = h.counts.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += h.counts[i]!;
    let acc = 0;
    let lo = 0;
    while (lo < n - 1 && acc + h.counts[lo]! <= total * 0.005) acc += h.counts[lo++]!;
    acc = 0;
    let hi = n - 1;
    while (hi > lo && acc + h.counts[hi]! <= total * 0.005) acc += h.counts[hi--]!;
    const reach = 1.5 * h.gamma;
    const a = Math.min(h.edges[lo]!, -reach, ...h.thresholds);
    const b = Math.max(h.edges[hi + 1]!, reach, ...h.thresholds);
    const clipped = a > h.edges[0]! || b < h.edges[n]!;
    return { view: [Math.max(a, h.edges[0]! - reach), Math.min(b, h.edges[n]! + reach)], clipped };
  }

  protected override render(): TemplateResult {
    const r = this.row;
    if (r === undefined) {
      return html`<div class="bn-detail-empty">Select a tensor (click, or arrow keys and Enter) to see its histogram and statistics.</div>`;
    }
    const s = r.stats;
    const h = this.histogram?.name === r.name ? this.histogram : undefined;
    const n = s === null ? 0 : s.zeros + s.plus + s.minus;
    return html`
      <h2 class="bn-detail-title" title=${r.name}>${r.name}</h2>
      <div class="bn-detail-sub">${r.dtype} · ${r.shape.join(' × ') || 'scalar'} · ${formatCount(r.params)} params · ${formatBytes(r.bytes)}</div>
      ${r.error ? html`<div class="bn-callout is-error" role="alert">⚠ ${r.error}</div>` : nothing}
      ${!r.quantized ? html`<div class="bn-callout">Kept in high precision${r.reason ? ` — ${r.reason}` : ''}.</div>` : nothing}
      ${s?.nonFinite ? html`<div class="bn-callout is-warning">${formatCount(s.nonFinite)} NaN/Inf values — left out of every figure below.</div>` : nothing}
      ${s?.storedTernary ? html`<div class="bn-callout">Stored as ternary codes: statistics describe the stored codes, no re-quantization.</div>` : nothing}
      ${s === null
        ? r.quantized && !r.error
          ? html`<div class="bn-detail-empty">Statistics pending — the analysis has not reached this tensor yet.</div>`
          : nothing
        : html`
            <div class="bn-detail-section">
              <div class="bn-section-head">
                <span>Distribution of W</span>
                <label class="bn-check"><input type="checkbox" .checked=${this.logY} @change=${(e: Event) => (this.logY = (e.target as HTMLInputElement).checked)} /> log count</label>
              </div>
              ${h && h.counts.length > 0 && h.edges.length === h.counts.length + 1
                ? this.renderHistogram(r, h)
                : h || this.histogramMissing
                  ? html`<div class="bn-hist-loading">No histogram available for this tensor — re-run the analysis to recompute it.</div>`
                  : html`<div class="bn-hist-loading" aria-busy="true"><vscode-progress-ring></vscode-progress-ring> loading histogram…</div>`}
            </div>
            <div class="bn-detail-section">
              <div class="bn-section-head"><span>Ternary split</span></div>
              <div class="bn-split" role="img" aria-label="−1: ${formatPercent(s.minus / n)}, 0: ${formatPercent(s.zeros / n)}, +1: ${formatPercent(s.plus / n)}">
                <div class="bn-split-seg" data-code="0"></div><div class="bn-split-seg" data-code="1"></div><div class="bn-split-seg" data-code="2"></div>
              </div>
              <div class="bn-split-labels">
                <span><span class="bn-key" data-code="0"></span>−1 ${formatPercent(s.minus / n)}</span>
                <span><span class="bn-key" data-code="1"></span>0 ${formatPercent(s.zeros / n)}</span>
                <span><span class="bn-key" data-code="2"></span>+1 ${formatPercent(s.plus / n)}</span>
              </div>
            </div>
            <dl class="bn-stats">
              ${stat('γ (scale)', formatSig(s.gamma, 4))}
              ${stat('thresholds', s.thresholds.map((t) => formatSig(t, 4)).join(', '))}
              ${stat('zeros', `${formatCount(s.zeros)} (${formatPercent(s.zeroFraction, 2)})`)}
              ${stat('+1 / −1', `${formatCount(s.plus)} / ${formatCount(s.minus)}`)}
              ${stat('entropy', `${s.entropyBits.toFixed(3)} bit (max 1.585)`)}
              ${stat('rel. RMSE', formatSig(s.relRmse, 4))}
              ${stat('cosine', formatSig(s.cosine, 5))}
              ${stat('SQNR', `${s.sqnrDb.toFixed(2)} dB`)}
              ${stat('min / max', `${formatSig(s.min)} / ${formatSig(s.max)}`)}
              ${stat('mean / std', `${formatSig(s.mean)} / ${formatSig(s.std)}`)}
              ${stat('NaN / Inf', formatCount(s.nonFinite))}
            </dl>`}
      ${r.notes?.length ? html`<ul class="bn-notes">${r.notes.map((t) => html`<li>${t}</li>`)}</ul>` : nothing}
    `;
  }

  private renderHistogram(r: TensorRow, h: HistogramData): TemplateResult {
    const { view, clipped } = this.viewRange(h);
    const n = h.edges.length - 1;
    return html`<bn-histogram
        .edges=${h.edges}
        .counts=${h.counts}
        .markers=${this.markers(h)}
        .segments=${h.thresholds}
        .segmentColors=${h.thresholds.length === 2 ? CODE_COLORS : [CODE_COLORS[0]!, CODE_COLORS[2]!]}
        .view=${this.logY ? undefined : view}
        .xFormat=${(v: number) => formatSig(v, 2)}
        ?logY=${this.logY}
        height="190"
        label="Histogram of ${r.name} with thresholds and ternary levels"
      ></bn-histogram>
      <div class="bn-hist-legend">
        <span class="bn-nowrap"><span class="bn-key is-threshold"></span> thresholds ${h.thresholds.map((t) => formatSig(t)).join(', ')}</span>
        <span class="bn-nowrap"><span class="bn-key is-level"></span> levels ${h.thresholds.length === 2 ? '−γ, 0, +γ' : '±β'} (γ = ${formatSig(h.gamma)})</span>
      </div>
      <div class="bn-hist-legend">${n} bins${clipped && !this.logY ? html` · tails beyond the view (full range ${formatSig(h.edges[0]!)} … ${formatSig(h.edges[n]!)}); log count shows them` : ''}</div>`;
  }

  protected override updated(): void {
    this.paintSplit();
  }

  /** Widths and colours via CSSOM: a strict CSP forbids style attributes, not style properties. */
  private paintSplit(): void {
    const s = this.row?.stats;
    if (!s) return;
    const t = readChartTheme(this);
    const n = s.zeros + s.plus + s.minus || 1;
    const shares = [s.minus / n, s.zeros / n, s.plus / n];
    this.querySelectorAll<HTMLElement>('.bn-split-seg').forEach((el) => {
      const c = Number(el.dataset['code']);
      el.style.flexBasis = `${shares[c]! * 100}%`;
      el.style.backgroundColor = t.series[CODE_COLORS[c]!]!;
    });
    this.querySelectorAll<HTMLElement>('.bn-key[data-code]').forEach((el) => {
      el.style.backgroundColor = t.series[CODE_COLORS[Number(el.dataset['code'])]!]!;
    });
  }
}

function stat(label: string, value: string): TemplateResult {
  return html`<dt>${label}</dt><dd>${value}</dd>`;
}
