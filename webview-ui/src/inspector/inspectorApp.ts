/**
 * Root of the checkpoint inspector. Owns the data (built from host events),
 * the view state (filter, sort, selection, scroll — persisted through the
 * host so hide/show and reload restore it) and the histogram requests.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { InspectorEvent, TensorRow } from '../../../src/protocol/inspector.js';
import type { QuantMethod } from '../../../src/core/quant/types.js';
import type { QualityEvent, QualityRequest } from '../../../src/protocol/models.js';
import { applyEvent, emptyData } from './model.js';
import { viewIndices, type SortSpec } from './tableModel.js';
import type { InspectorHost, ViewState } from './host.js';
import type { HistogramData } from './tensorDetail.js';
import type { TensorTable } from './tensorTable.js';
import { memoryBars, memoryColumns } from './memoryBars.js';
import './header.js';
import './tensorTable.js';
import './tensorDetail.js';
import './layerCharts.js';
import '../shared/charts/index.js';
import '../models/qualitySection.js';

const HISTOGRAM_TIMEOUT_MS = 15_000;

@customElement('bn-inspector')
export class InspectorApp extends LitElement {
  host!: InspectorHost;
  private data = emptyData();
  @state() private version = 0;
  @state() private filter = '';
  @state() private sort: SortSpec | undefined;
  @state() private selected: string | undefined;
  @state() private detail: string | undefined;
  @state() private histogram: HistogramData | undefined;
  /** Name of a tensor whose histogram request went unanswered. */
  @state() private histogramMissing: string | undefined;
  @state() private quality: QualityEvent | undefined;

  private requestId = 0;
  private pending: { id: number; name: string } | undefined;
  private savedScrollTop = 0;
  private pendingScroll: number | undefined;
  private saveTimer = 0;
  private viewCache: { key: string; idx: number[] } | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Wire to the host: restore view state, listen, then say ready. */
  start(host: InspectorHost): void {
    this.host = host;
    const s = host.loadState();
    if (s) {
      this.filter = s.filter ?? '';
      this.sort = s.sort;
      this.selected = s.selected;
      this.detail = s.detail;
      this.savedScrollTop = s.scrollTop ?? 0;
    }
    host.onEvent((e) => this.onEvent(e));
    host.post({ type: 'ready' });
  }

  private onEvent(e: InspectorEvent): void {
    if (e.type === 'histogram') {
      if (this.pending?.id !== e.requestId) return; // a stale reply for a tensor no longer shown
      this.pending = undefined;
      this.histogram = { name: e.name, edges: new Float64Array(e.edges), counts: new Float64Array(e.counts), thresholds: e.thresholds, gamma: e.gamma };
      return;
    }
    if (e.type === 'reveal') {
      this.reveal(e.name);
      return;
    }
    if (e.type === 'quality') {
      this.quality = e;
      return;
    }
    const wasInit = e.type === 'init';
    if (!applyEvent(this.data, e)) return;
    if (wasInit) {
      // A re-analysis starts over: old histograms may be for another method.
      this.histogram = undefined;
      this.pending = undefined;
      // The table may not exist yet (first init replaces the loading view): hand over after render.
      this.pendingScroll = this.savedScrollTop;
    }
    this.version = this.data.version;
    this.maybeRequestHistogram();
  }

  private table(): TensorTable | null {
    return this.querySelector('bn-tensor-table');
  }

  private rowByName(name: string | undefined): TensorRow | undefined {
    if (name === undefined) return undefined;
    const i = this.data.index.get(name);
    return i === undefined ? undefined : this.data.rows[i];
  }

  private maybeRequestHistogram(): void {
    const r = this.rowByName(this.detail);
    if (r?.stats == null) return;
    if (this.histogram?.name === r.name || this.pending?.name === r.name) return;
    const id = ++this.requestId;
    this.pending = { id, name: r.name };
    this.histogramMissing = undefined;
    this.host.post({ type: 'getHistogram', requestId: id, name: r.name });
    // A host that cannot answer (job restarting, result evicted) must not leave a spinner forever.
    setTimeout(() => {
      if (this.pending?.id !== id) return;
      this.pending = undefined;
      this.histogramMissing = r.name;
    }, HISTOGRAM_TIMEOUT_MS);
  }

  private currentView(): number[] {
    const key = `${this.data.version}|${this.filter}|${this.sort?.key}|${this.sort?.dir}`;
    if (this.viewCache?.key !== key) this.viewCache = { key, idx: viewIndices(this.data.rows, this.filter, this.sort) };
    return this.viewCache.idx;
  }

  /**
   * Save the view state. Scrolling saves debounced; everything else at once,
   * since VS Code may discard a hidden webview right after a click.
   */
  private persist(debounced = false): void {
    clearTimeout(this.saveTimer);
    const save = (): void => {
      const s: ViewState = { filter: this.filter, sort: this.sort, selected: this.selected, detail: this.detail, scrollTop: this.savedScrollTop };
      this.host.saveState(s);
    };
    if (debounced) this.saveTimer = window.setTimeout(save, 150);
    else save();
  }

  private reveal(name: string): void {
    if (!this.data.index.has(name)) return;
    if (this.filter && !name.toLowerCase().includes(this.filter.toLowerCase())) this.filter = '';
    this.selected = name;
    this.open(name);
    void this.updateComplete.then(() => {
      const pos = this.currentView().findIndex((i) => this.data.rows[i]!.name === name);
      if (pos >= 0) this.table()?.scrollToPosition(pos, true);
    });
  }

  private open(name: string): void {
    this.detail = name;
    if (this.histogram?.name !== name) this.histogram = undefined;
    this.maybeRequestHistogram();
    this.persist();
  }

  protected override render(): TemplateResult {
    const d = this.data;
    if (d.error && (d.rows.length === 0 || !d.error.recoverable)) return this.renderErrorPanel();
    if (d.phase === 'waiting') {
      return html`<div class="bn-loading" role="status"><vscode-progress-ring></vscode-progress-ring> Reading checkpoint header…</div>`;
    }
    const view = this.currentView();
    const detailRow = this.rowByName(this.detail);
    return html`
      <header class="bn-header"><bn-inspector-header .data=${d} version=${this.version} ?staticMode=${this.host.mode === 'static'}
        @reanalyze=${(e: CustomEvent<QuantMethod>) => this.host.post({ type: 'reanalyze', method: e.detail })}
        @cancel=${() => this.host.post({ type: 'cancel' })}
        @export=${(e: CustomEvent<'json' | 'html'>) => this.host.post({ type: 'exportReport', format: e.detail })}
        @open-settings=${() => this.host.post({ type: 'openSettings' })}></bn-inspector-header></header>
      ${d.error ? html`<div class="bn-banner is-error" role="alert"><b>${d.error.code}</b> ${d.error.message}</div>` : nothing}
      <div class="bn-charts">
        ${d.totals
          ? html`<section class="bn-card" aria-labelledby="bn-h-mem">
              <h3 id="bn-h-mem" class="bn-card-title">Memory by storage format</h3>
              <bn-bar-chart id="chart-memory" .bars=${memoryBars(d.totals.memory)} .columns=${memoryColumns(d.totals.memory)} height="214" label="Checkpoint size per storage format"></bn-bar-chart>
            </section>`
          : nothing}
        <bn-layer-charts .rows=${d.rows} version=${this.version} phase=${d.phase}></bn-layer-charts>
      </div>
      ${this.host.mode === 'live'
        ? html`<bn-model-quality .event=${this.quality} @quality-request=${(e: CustomEvent<QualityRequest>) => this.host.post(e.detail)}></bn-model-quality>`
        : nothing}
      <div class="bn-main">
        <section class="bn-table-panel" aria-label="Tensor table">
          <div class="bn-table-tools">
            <vscode-textfield id="bn-filter" placeholder="Filter by name (e.g. q_proj, layers.3.)" .value=${this.filter} aria-label="Filter tensors by name"
              @input=${(e: Event) => this.setFilter((e.target as HTMLInputElement).value)}></vscode-textfield>
            <span class="bn-count" aria-live="polite">${view.length === d.rows.length ? `${d.rows.length.toLocaleString('en-US')} tensors` : `${view.length.toLocaleString('en-US')} of ${d.rows.length.toLocaleString('en-US')} tensors`}</span>
            ${this.sort ? html`<button type="button" class="bn-link" @click=${() => this.setSort(undefined)}>file order</button>` : nothing}
          </div>
          <bn-tensor-table .rows=${d.rows} .view=${view} .sort=${this.sort} .selected=${this.selected} .opened=${this.detail} version=${this.version}
            @row-select=${(e: CustomEvent<string>) => { this.selected = e.detail; this.persist(); }}
            @row-open=${(e: CustomEvent<string>) => this.open(e.detail)}
            @sort-change=${(e: CustomEvent<SortSpec>) => this.setSort(e.detail)}
            @table-scroll=${(e: CustomEvent<number>) => { this.savedScrollTop = e.detail; this.persist(true); }}></bn-tensor-table>
        </section>
        <aside class="bn-detail" aria-label="Tensor detail"><bn-tensor-detail .row=${detailRow} .histogram=${this.histogram} ?histogramMissing=${this.histogramMissing !== undefined && this.histogramMissing === this.detail}></bn-tensor-detail></aside>
      </div>`;
  }

  protected override updated(): void {
    const table = this.table();
    if (this.pendingScroll !== undefined && table !== null) {
      table.setInitialScroll(this.pendingScroll);
      this.pendingScroll = undefined;
      table.requestUpdate();
    }
  }

  private setFilter(v: string): void {
    this.filter = v;
    this.persist();
  }

  private setSort(s: SortSpec | undefined): void {
    this.sort = s;
    this.persist();
  }

  private renderErrorPanel(): TemplateResult {
    const e = this.data.error!;
    return html`<div class="bn-error-panel" role="alert">
      <h1>Could not inspect ${this.data.fileName ? this.data.fileName.split(/[\\/]/).pop() : 'this checkpoint'}</h1>
      <p class="bn-error-message">${e.message}</p>
      <p class="bn-muted">error code <code>${e.code}</code>${this.data.fileName ? html` · <span title=${this.data.fileName}>${this.data.fileName}</span>` : nothing}</p>
      ${e.recoverable && this.host.mode === 'live'
        ? html`<vscode-button id="bn-retry" @click=${() => this.host.post({ type: 'reanalyze', method: (this.data.settings?.method ?? 'absmean') as QuantMethod })}>Retry</vscode-button>`
        : nothing}
    </div>`;
  }
}
