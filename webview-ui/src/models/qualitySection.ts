/**
 * The Quality section, shared by the inspector and the comparison panel:
 * perplexity of the checkpoint on the user's text at full precision and as
 * BitNet b1.58 (or as stored, for a checkpoint that already is ternary), and
 * the output error of every linear layer on the real activations of that
 * text — as a curve down the depth and a paged table, worst first. The
 * numbers come from the job process; this element only asks (events
 * `quality-request`) and shows.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { EvalResult, LayerOutputError, LinearMode } from '../../../src/core/model/api.js';
import type { QualityEvent, QualityRequest, QualityState, TextSourceInfo } from '../../../src/protocol/models.js';
import { formatCount, formatFactor, formatSig } from '../shared/format.js';
import type { Series } from '../shared/charts/index.js';
import { compareKinds, parseLayerName } from '../inspector/layerNames.js';
import { formatRate, MODE_LABELS, MODE_SHORT, provenanceLine } from './modelLabels.js';
import '../shared/charts/index.js';

/** Rows of the per-layer table per page (a 70B model has ~560 linear layers). */
export const LAYER_PAGE = 20;
const MODE_ORDER: readonly LinearMode[] = ['fp', 'ternary', 'stored'];

@customElement('bn-model-quality')
export class ModelQuality extends LitElement {
  @property({ attribute: false }) event: QualityEvent | undefined;
  /** False in exported pages: no host to ask. */
  @property({ type: Boolean }) interactive = true;
  @state() private page = 0;
  private shownResult: EvalResult | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  private ask(req: QualityRequest): void {
    this.dispatchEvent(new CustomEvent<QualityRequest>('quality-request', { detail: req, bubbles: true }));
  }

  protected override render(): TemplateResult {
    const q = this.event?.quality;
    const modes = q?.state === 'done' ? MODE_ORDER.filter((m) => q.result.results[m] !== undefined) : (this.event?.modes ?? ['fp', 'ternary']);
    const quant = modes.find((m) => m !== 'fp') ?? 'ternary';
    return html`<section class="mq-card" id="mq-section" aria-labelledby="mq-h">
      <h3 id="mq-h">Model quality on your text</h3>
      <p class="mq-caption">Perplexity at full precision and ${quant === 'stored' ? 'with the ternary weights as stored in the file' : 'as BitNet b1.58 (W1.58A8: absmean ternary weights, per-token int8 activations, post-training)'}, and the output error of each linear layer on the real activations of the text. Computed in the job process.</p>
      ${this.renderActions(q)}
      ${this.renderState(q)}
    </section>`;
  }

  private renderActions(q: QualityState | undefined): TemplateResult | typeof nothing {
    if (!this.interactive) return nothing;
    if (q?.state === 'running') {
      const frac = q.total > 0 ? q.done / q.total : undefined;
      return html`<div class="mq-progress" role="status" aria-live="polite">
        <span>Evaluating on <b>${q.source.label}</b>… ${frac !== undefined ? `${Math.round(100 * frac)}%` : ''}</span>
        <progress max="1" .value=${frac ?? 0} aria-label="evaluation progress"></progress>
        <span class="mq-note">${q.label}</span>
        <vscode-button secondary id="mq-cancel" @click=${() => this.ask({ type: 'cancelQuality' })}>Cancel</vscode-button>
      </div>`;
    }
    return html`<div class="mq-actions">
      <vscode-button id="mq-editor" @click=${() => this.ask({ type: 'evaluateQuality', source: 'editor' })}>Evaluate on active editor text</vscode-button>
      <vscode-button secondary id="mq-file" @click=${() => this.ask({ type: 'evaluateQuality', source: 'file' })}>Choose text file…</vscode-button>
      <vscode-button secondary id="mq-try" title="Prompt the FP and the ternary model side by side" @click=${() => this.ask({ type: 'tryModel' })}>Try it…</vscode-button>
    </div>`;
  }

  private renderState(q: QualityState | undefined): TemplateResult | typeof nothing {
    if (q === undefined) return html`<p class="mq-note" id="mq-empty">Not evaluated yet: choose a text (your own data says more than any benchmark).</p>`;
    switch (q.state) {
      case 'running':
        return nothing;
      case 'failed':
        return html`<p class="mq-error" id="mq-error" role="alert">${q.message}</p>`;
      case 'cancelled':
        return html`<p class="mq-note mq-warn" id="mq-cancelled">Evaluation on ${q.source.label} cancelled.</p>`;
      case 'done':
        return this.renderResult(q.result, q.source);
    }
  }

  private renderResult(r: EvalResult, source: TextSourceInfo): TemplateResult {
    if (this.shownResult !== r) {
      this.shownResult = r;
      this.page = 0;
    }
    // What the engine ran, whatever was asked: it runs `ternary` as `stored` on a ternary checkpoint.
    const shown = MODE_ORDER.filter((m) => r.results[m] !== undefined);
    const fp = r.results.fp;
    const quant = shown.find((m) => m !== 'fp');
    const qr = quant ? r.results[quant] : undefined;
    const context = r.provenance.settings['context'];
    return html`
      ${fp && qr && quant
        ? html`<div class="mq-kpis">
            <div class="mq-kpi" id="mq-ratio"><div class="mq-kpi-value">${formatFactor(qr.perplexity / fp.perplexity)}</div><div class="mq-kpi-label">perplexity, ${MODE_SHORT[quant]} / FP</div></div>
            <div class="mq-kpi"><div class="mq-kpi-value">${formatSig(qr.nll - fp.nll, 3)}</div><div class="mq-kpi-label">extra nats per token</div></div>
          </div>`
        : nothing}
      <table class="mq-table" id="mq-ppl">
        <thead><tr><th>model</th><th>perplexity</th><th>NLL (nats/token)</th><th>bits per byte</th><th>tokens/s</th></tr></thead>
        <tbody>${shown.map((m) => {
          const x = r.results[m]!;
          return html`<tr data-mode=${m}><td>${MODE_LABELS[m]}</td><td>${formatSig(x.perplexity, 5)}</td><td>${x.nll.toFixed(4)}</td><td>${x.bitsPerByte.toFixed(4)}</td><td>${formatRate(x.tokensPerSecond)}</td></tr>`;
        })}</tbody>
      </table>
      <p class="mq-prov" id="mq-prov">${formatCount(r.tokens)} tokens of <b>${source.label}</b> (${formatCount(source.chars)} characters) in ${r.windows} window${r.windows === 1 ? '' : 's'}${context !== undefined ? ` of ${String(context)} tokens` : ''} · ${provenanceLine(r.provenance)}</p>
      ${this.renderLayers(r.layers, quant)}`;
  }

  private renderLayers(layers: LayerOutputError[], quant: LinearMode | undefined): TemplateResult {
    if (layers.length === 0) return html`<p class="mq-note">No per-layer errors were measured.</p>`;
    const series = layerSeries(layers);
    const worst = [...layers].sort((a, b) => b.relativeRmse - a.relativeRmse);
    const pages = Math.ceil(worst.length / LAYER_PAGE);
    const page = Math.min(this.page, pages - 1);
    const rows = worst.slice(page * LAYER_PAGE, (page + 1) * LAYER_PAGE);
    const meanErr = layers.reduce((s, l) => s + l.relativeRmse, 0) / layers.length;
    return html`
      <h3>Per-layer output error (${quant ? MODE_SHORT[quant] : 'quantized'} vs FP, on this text's activations)</h3>
      <p class="mq-note">${layers.length} linear layers · mean relative RMSE ${formatSig(meanErr, 3)} · lowest cosine ${Math.min(...layers.map((l) => l.cosine)).toFixed(4)}</p>
      <bn-line-chart id="mq-layer-chart" .series=${series} xLabel="layer" xIntegers zeroBased .yFormat=${(v: number) => formatSig(v, 2)} height="190" label="Relative output error against layer index, one line per projection"></bn-line-chart>
      <table class="mq-table" id="mq-layers">
        <thead><tr><th>layer (worst first)</th><th>#</th><th>rel. RMSE</th><th>cosine</th></tr></thead>
        <tbody>${rows.map((l) => html`<tr><td class="mq-name">${l.name}</td><td>${l.layer}</td><td>${formatSig(l.relativeRmse, 3)}</td><td>${l.cosine.toFixed(4)}</td></tr>`)}</tbody>
      </table>
      ${pages > 1
        ? html`<div class="mq-pager"><button id="mq-prev" ?disabled=${page === 0} @click=${() => (this.page = page - 1)}>‹ previous</button>
            <span id="mq-page">${page * LAYER_PAGE + 1}–${page * LAYER_PAGE + rows.length} of ${worst.length}</span>
            <button id="mq-next" ?disabled=${page >= pages - 1} @click=${() => (this.page = page + 1)}>next ›</button></div>`
        : nothing}`;
  }
}

/** One line per projection kind across the depth (names parsed as the inspector's layer charts do). */
export function layerSeries(layers: LayerOutputError[]): Series[] {
  const byKind = new Map<string, { x: number; y: number }[]>();
  for (const l of layers) {
    const kind = parseLayerName(l.name)?.kind ?? 'linear';
    if (!Number.isFinite(l.relativeRmse)) continue;
    let pts = byKind.get(kind);
    if (pts === undefined) byKind.set(kind, (pts = []));
    pts.push({ x: l.layer, y: l.relativeRmse });
  }
  return [...byKind.keys()].sort(compareKinds).map((kind, i) => ({ name: kind, points: byKind.get(kind)!.sort((a, b) => a.x - b.x), colorIndex: i }));
}
