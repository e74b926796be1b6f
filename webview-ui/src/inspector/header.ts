/**
 * The inspector's header: what file this is, its totals and dtype mix,
 * metadata, analysis progress (cancellable), provenance of the numbers, and
 * the actions (method switch, export).
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { InspectorData } from './model.js';
import { currentMethod } from './model.js';
import { formatBytes, formatCount, formatPercent, formatSeconds } from '../shared/format.js';
import { QUANT_METHODS, QUANT_METHOD_LABELS } from '../../../src/core/quant/types.js';

const FORMAT_LABELS: Record<string, string> = {
  safetensors: 'safetensors',
  'safetensors-sharded': 'safetensors (sharded)',
  'hf-bitnet': 'HF BitNet packed',
  gguf: 'GGUF',
  tfjs: 'tfjs',
};

@customElement('bn-inspector-header')
export class InspectorHeader extends LitElement {
  @property({ attribute: false }) data!: InspectorData;
  @property({ type: Number }) version = 0;
  @property({ type: Boolean }) staticMode = false;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true }));
  }

  protected override render(): TemplateResult {
    const d = this.data;
    const t = d.totals;
    const baseName = d.fileName.split(/[\\/]/).pop() || d.fileName;
    const analysed = d.rows.filter((r) => r.stats !== null).length;
    const quantTensors = d.rows.filter((r) => r.quantized).length;
    return html`
      <div class="bn-title-row">
        <div class="bn-title-block">
          <h1 class="bn-title" title=${d.fileName}>${baseName || 'Checkpoint'}</h1>
          ${d.format ? html`<span class="bn-badge">${FORMAT_LABELS[d.format] ?? d.format}</span>` : nothing}
          ${this.phaseBadge()}
        </div>
        ${this.staticMode ? html`<div class="bn-static-note">exported report · read-only</div>` : this.renderActions()}
      </div>
      ${d.fileName !== baseName ? html`<div class="bn-path" title=${d.fileName}>${d.fileName}</div>` : nothing}
      ${t
        ? html`<div class="bn-totals">
            ${fig('parameters', formatCount(t.params), `${t.params.toLocaleString('en-US')} parameters`)}
            ${fig('tensors', formatCount(d.rows.length), `${quantTensors} quantizable`)}
            ${fig('quantized params', formatCount(t.quantizedParams), `${formatPercent(t.params ? t.quantizedParams / t.params : NaN)} of all, in ${t.quantizedTensors} tensors`)}
            ${fig('size as stored', formatBytes(t.bytes), `${t.bytes.toLocaleString('en-US')} bytes`)}
            ${fig('ideal ternary', formatBytes(t.memory.ideal), `×${(t.memory.asStored / t.memory.ideal).toFixed(1)} smaller than stored`)}
          </div>
          ${this.renderDtypeMix(t.dtypeParams, t.params)}`
        : nothing}
      ${d.warnings.length > 0 ? html`<ul class="bn-warnings" role="status">${d.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : nothing}
      ${this.renderProgress(analysed)}
      ${this.renderProvenance()}
      ${Object.keys(d.metadata).length > 0
        ? html`<details class="bn-metadata">
            <summary>Metadata (${Object.keys(d.metadata).length} ${Object.keys(d.metadata).length === 1 ? 'entry' : 'entries'})</summary>
            <dl>${Object.entries(d.metadata).map(([k, v]) => html`<dt>${k}</dt><dd title=${v.length <= 2000 ? v : `${v.slice(0, 2000)}…`}>${v.length > 400 ? `${v.slice(0, 400)}… (${v.length.toLocaleString('en-US')} chars)` : v}</dd>`)}</dl>
          </details>`
        : nothing}
    `;
  }

  private phaseBadge(): TemplateResult | typeof nothing {
    const d = this.data;
    switch (d.phase) {
      case 'analyzing':
        return html`<span class="bn-badge is-busy">analysing</span>`;
      case 'done':
        return html`<span class="bn-badge is-ok">${d.cached ? 'analysed (cached)' : 'analysed'}</span>`;
      case 'cancelled':
        return html`<span class="bn-badge is-warn">cancelled</span>`;
      case 'failed':
        return html`<span class="bn-badge is-error">error</span>`;
      default:
        return html`<span class="bn-badge">loading</span>`;
    }
  }

  private renderActions(): TemplateResult {
    const method = currentMethod(this.data);
    const busy = this.data.phase === 'analyzing';
    const rerun = this.data.phase === 'cancelled' || (this.data.phase === 'failed' && this.data.error?.recoverable === true);
    return html`<div class="bn-actions">
      ${rerun ? html`<vscode-button id="bn-rerun" @click=${() => this.emit('reanalyze', method)}>Re-run analysis</vscode-button>` : nothing}
      <label class="bn-method-label" for="bn-method">method</label>
      <vscode-single-select id="bn-method" .value=${method} title=${QUANT_METHOD_LABELS[method as keyof typeof QUANT_METHOD_LABELS] ?? ''}
        @change=${(e: Event) => {
          const v = (e.target as HTMLSelectElement).value;
          if (v !== currentMethod(this.data)) this.emit('reanalyze', v);
        }}>
        ${QUANT_METHODS.map((m) => html`<vscode-option value=${m} description=${QUANT_METHOD_LABELS[m]} ?selected=${m === method}>${m}</vscode-option>`)}
      </vscode-single-select>
      <vscode-button secondary id="bn-export-json" ?disabled=${busy} @click=${() => this.emit('export', 'json')}>Export JSON</vscode-button>
      <vscode-button secondary id="bn-export-html" ?disabled=${busy} @click=${() => this.emit('export', 'html')}>Export HTML</vscode-button>
      <vscode-button secondary id="bn-settings" title="Open BitNet Lab settings" @click=${() => this.emit('open-settings')}>Settings</vscode-button>
    </div>`;
  }

  private renderDtypeMix(mix: Record<string, number>, total: number): TemplateResult {
    const entries = Object.entries(mix).sort((a, b) => b[1] - a[1]);
    return html`<div class="bn-dtype-mix" aria-label="Parameters by stored dtype">
      <span class="bn-muted">dtype mix</span>
      ${entries.map(([k, v]) => html`<span class="bn-chip"><b>${k}</b> ${formatPercent(total ? v / total : NaN)} <span class="bn-muted">(${formatCount(v)})</span></span>`)}
    </div>`;
  }

  private renderProgress(analysed: number): TemplateResult | typeof nothing {
    const d = this.data;
    if (d.phase !== 'analyzing') return nothing;
    const p = d.progress;
    const frac = p && p.total > 0 ? p.done / p.total : undefined;
    return html`<div class="bn-progress" role="status" aria-live="polite">
      <vscode-progress-ring></vscode-progress-ring>
      <div class="bn-progress-text">
        <div>Analysing… ${frac !== undefined ? html`<b>${formatPercent(frac, 0)}</b>` : nothing} <span class="bn-muted">${analysed} of ${d.rows.filter((r) => r.quantized).length} tensors</span></div>
        ${p?.label ? html`<div class="bn-muted bn-ellipsis" title=${p.label}>${p.label}</div>` : nothing}
      </div>
      <progress class="bn-progress-bar" max="1" .value=${frac ?? 0} aria-label="analysis progress"></progress>
      ${this.staticMode ? nothing : html`<vscode-button secondary id="bn-cancel" @click=${() => this.emit('cancel')}>Cancel</vscode-button>`}
    </div>`;
  }

  private renderProvenance(): TemplateResult | typeof nothing {
    const d = this.data;
    const p = d.provenance;
    if (p === undefined) {
      if (d.phase === 'cancelled') return html`<div class="bn-provenance">Analysis cancelled — figures shown are for the tensors finished so far.</div>`;
      return nothing;
    }
    const method = currentMethod(d);
    return html`<div class="bn-provenance" title=${`created ${p.createdAt}`}>
      <span><b>${method}</b></span>
      <span>${p.engine}${d.backend && d.backend !== p.engine ? ` on ${d.backend}` : ''}</span>
      <span>${formatSeconds(p.seconds)}</span>
      <span>${p.machine}</span>
      <span>${p.tool}</span>
      ${d.cached ? html`<span>from cache</span>` : nothing}
    </div>`;
  }
}

function fig(label: string, value: string, title: string): TemplateResult {
  return html`<div class="bn-fig" title=${title}><div class="bn-fig-value">${value}</div><div class="bn-fig-label">${label}</div><div class="bn-fig-sub">${title}</div></div>`;
}
