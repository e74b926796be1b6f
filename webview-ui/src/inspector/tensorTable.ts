/**
 * The tensor table, virtualized: only the rows in (and just around) the
 * viewport exist in the DOM, so 10,000 tensors scroll as smoothly as 50.
 * Rows have a fixed height; the body is sized to the full list and the
 * window of rendered rows is shifted with one transform.
 *
 * Keyboard: the selected row is the one tab stop (roving tabindex); arrows,
 * PageUp/PageDown and Home/End move the selection, Enter opens the detail.
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { TensorRow } from '../../../src/protocol/inspector.js';
import { COLUMNS, type ColumnKey, type SortSpec } from './tableModel.js';
import { formatCount, formatPercent, formatSig } from '../shared/format.js';

export const ROW_HEIGHT = 26;
const OVERSCAN = 8;

@customElement('bn-tensor-table')
export class TensorTable extends LitElement {
  @property({ attribute: false }) rows: readonly TensorRow[] = [];
  /** Indices into `rows`, filtered and sorted. */
  @property({ attribute: false }) view: readonly number[] = [];
  @property({ attribute: false }) sort: SortSpec | undefined;
  @property({ attribute: false }) selected: string | undefined;
  @property({ attribute: false }) opened: string | undefined;
  /** Bumped by the parent when row contents change in place. */
  @property({ type: Number }) version = 0;
  @state() private first = 0;
  @state() private count = 40;

  private restoreScroll: number | undefined;
  private focusAfterRender = false;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  get scroller(): HTMLElement | null {
    return this.querySelector('.bn-table-scroller');
  }

  /** Scroll offset to apply once rows exist (state restored after reload). */
  setInitialScroll(top: number): void {
    this.restoreScroll = top;
  }

  private readonly resizeObserver = new ResizeObserver(() => this.measure());

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver.disconnect();
  }

  private measure(): void {
    const sc = this.scroller;
    if (sc === null) return;
    const visible = Math.ceil(sc.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN;
    const first = Math.max(0, Math.floor(sc.scrollTop / ROW_HEIGHT) - OVERSCAN);
    if (visible !== this.count) this.count = visible;
    if (first !== this.first) this.first = first;
  }

  private onScroll = (): void => {
    this.measure();
    this.dispatchEvent(new CustomEvent('table-scroll', { detail: this.scroller?.scrollTop ?? 0 }));
  };

  private headerHeight(): number {
    return this.querySelector<HTMLElement>('.bn-thead')?.offsetHeight ?? ROW_HEIGHT;
  }

  /** Scroll so that view position `pos` is fully visible. */
  scrollToPosition(pos: number, center = false): void {
    const sc = this.scroller;
    if (sc === null) return;
    const hh = this.headerHeight();
    const top = pos * ROW_HEIGHT;
    const viewH = sc.clientHeight - hh;
    if (center) sc.scrollTop = Math.max(0, top - viewH / 2);
    else if (top < sc.scrollTop) sc.scrollTop = top;
    else if (top + ROW_HEIGHT > sc.scrollTop + viewH) sc.scrollTop = top + ROW_HEIGHT - viewH;
    this.measure();
  }

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true }));
  }

  private positionOf(name: string | undefined): number {
    if (name === undefined) return -1;
    for (let p = 0; p < this.view.length; p++) if (this.rows[this.view[p]!]!.name === name) return p;
    return -1;
  }

  private onKeyDown = (e: KeyboardEvent): void => {
    if (this.view.length === 0) return;
    const t = e.target as HTMLElement;
    if (t.closest('.bn-thead')) return; // header buttons handle their own keys
    // Start from the focused row (Tab may land on a row that is not the selection).
    const focused = t.closest<HTMLElement>('.bn-row')?.id.match(/^row-(\d+)$/);
    const cur = focused ? Number(focused[1]) : Math.max(0, this.positionOf(this.selected));
    const page = Math.max(1, Math.floor((this.scroller?.clientHeight ?? 300) / ROW_HEIGHT) - 2);
    let next = cur;
    switch (e.key) {
      case 'ArrowDown': next = cur + 1; break;
      case 'ArrowUp': next = cur - 1; break;
      case 'PageDown': next = cur + page; break;
      case 'PageUp': next = cur - page; break;
      case 'Home': next = 0; break;
      case 'End': next = this.view.length - 1; break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        if (this.selected !== undefined) this.emit('row-open', this.selected);
        return;
      default:
        return;
    }
    e.preventDefault();
    next = Math.min(this.view.length - 1, Math.max(0, next));
    this.emit('row-select', this.rows[this.view[next]!]!.name);
    this.scrollToPosition(next);
    this.focusAfterRender = true;
  };

  private onClickRow(name: string): void {
    this.emit('row-select', name);
    this.emit('row-open', name);
  }

  private onSort(key: ColumnKey): void {
    const s = this.sort;
    const numeric = COLUMNS.find((c) => c.key === key)!.numeric;
    // First click: numbers largest-first (what one looks for), names A→Z.
    const dir = s?.key === key ? (s.dir === 'asc' ? 'desc' : 'asc') : numeric ? 'desc' : 'asc';
    this.emit('sort-change', { key, dir } satisfies SortSpec);
  }

  protected override render(): TemplateResult {
    const total = this.view.length;
    const end = Math.min(total, this.first + this.count);
    const positions: number[] = [];
    for (let p = this.first; p < end; p++) positions.push(p);
    const selectedPos = this.positionOf(this.selected);
    // Keyed by tensor name: a row element keeps showing the same tensor while
    // the window slides (focus and in-flight clicks stay on the right row).
    // One tab stop: the selected row when rendered, else the first rendered row.
    const tabPos = selectedPos >= this.first && selectedPos < end ? selectedPos : this.first;
    const slice = repeat(positions, (p) => this.rows[this.view[p]!]!.name, (p) => this.renderRow(this.rows[this.view[p]!]!, p, selectedPos, tabPos));
    return html`
      <div class="bn-table-scroller" role="grid" aria-rowcount=${total + 1} aria-label="Tensors" @scroll=${this.onScroll} @keydown=${this.onKeyDown}>
        <div class="bn-thead bn-grid" role="row" aria-rowindex="1">
          ${COLUMNS.map((c) => {
            const active = this.sort?.key === c.key;
            const aria = active ? (this.sort!.dir === 'asc' ? 'ascending' : 'descending') : 'none';
            return html`<div role="columnheader" aria-sort=${aria} class="bn-th ${c.numeric ? 'num' : ''}">
              <button type="button" class="bn-sort" data-col=${c.key} title=${c.title} @click=${() => this.onSort(c.key)}>
                ${c.label}<span class="bn-sort-arrow" aria-hidden="true">${active ? (this.sort!.dir === 'asc' ? '▲' : '▼') : ''}</span>
              </button>
            </div>`;
          })}
        </div>
        <div class="bn-tbody" role="rowgroup">
          <div class="bn-window">${slice}</div>
        </div>
        ${total === 0 ? html`<div class="bn-empty">${this.rows.length === 0 ? 'No tensors.' : 'No tensor name matches the filter.'}</div>` : nothing}
      </div>`;
  }

  private renderRow(r: TensorRow, pos: number, selectedPos: number, tabPos: number): TemplateResult {
    const s = r.stats;
    const sel = pos === selectedPos;
    const tab = pos === tabPos ? 0 : -1;
    const n = s === null ? 0 : s.zeros + s.plus + s.minus;
    const cls = ['bn-row', 'bn-grid', sel ? 'is-selected' : '', r.name === this.opened ? 'is-open' : '', r.quantized ? '' : 'is-kept', r.error ? 'has-error' : ''].join(' ');
    let stats: TemplateResult;
    if (r.error) {
      stats = html`<div class="bn-td bn-span bn-row-error" role="gridcell" title=${r.error}>⚠ ${r.error}</div>`;
    } else if (s !== null) {
      const flag = s.nonFinite > 0 ? html`<span class="bn-flag" title="${s.nonFinite} NaN/Inf values, left out of the statistics">NaN/Inf ${formatCount(s.nonFinite)}</span>` : nothing;
      stats = html`
        <div class="bn-td num" role="gridcell">${formatSig(s.gamma)}</div>
        <div class="bn-td num" role="gridcell">${formatPercent(s.zeroFraction)}</div>
        <div class="bn-td num" role="gridcell">${n > 0 ? html`<span class="bn-plus">${((s.plus / n) * 100).toFixed(1)}</span> / <span class="bn-minus">${((s.minus / n) * 100).toFixed(1)}</span>` : '—'}</div>
        <div class="bn-td num" role="gridcell">${formatSig(s.relRmse)}</div>
        <div class="bn-td num" role="gridcell">${flag}${Number.isFinite(s.sqnrDb) ? s.sqnrDb.toFixed(1) : '—'}</div>`;
    } else if (!r.quantized) {
      stats = html`<div class="bn-td bn-span bn-reason" role="gridcell">kept in high precision${r.reason ? html` — ${r.reason}` : nothing}</div>`;
    } else {
      stats = html`<div class="bn-td bn-span bn-pending" role="gridcell">pending…</div>`;
    }
    return html`<div
      class=${cls}
      role="row"
      id="row-${pos}"
      aria-rowindex=${pos + 2}
      aria-selected=${sel ? 'true' : 'false'}
      tabindex=${tab}
      data-name=${r.name}
      @click=${() => this.onClickRow(r.name)}
    >
      <div class="bn-td bn-name" role="gridcell" title=${r.quantized ? r.name : `${r.name}\nkept in high precision${r.reason ? ` — ${r.reason}` : ''}`}>
        <span class="bn-name-text">${r.name}</span>${!r.quantized && s !== null ? html`<span class="bn-kept-tag">${r.reason ?? 'kept'}</span>` : nothing}
      </div>
      <div class="bn-td" role="gridcell">${r.dtype}</div>
      <div class="bn-td bn-shape" role="gridcell">${r.shape.length ? r.shape.join(' × ') : 'scalar'}</div>
      <div class="bn-td num" role="gridcell">${formatCount(r.params)}</div>
      ${stats}
    </div>`;
  }

  protected override updated(changed: PropertyValues): void {
    const body = this.querySelector<HTMLElement>('.bn-tbody');
    const win = this.querySelector<HTMLElement>('.bn-window');
    // CSSOM writes (not style attributes) keep this working under a strict CSP.
    if (body) body.style.height = `${this.view.length * ROW_HEIGHT}px`;
    if (win) win.style.transform = `translateY(${this.first * ROW_HEIGHT}px)`;
    if (this.restoreScroll !== undefined && this.view.length > 0 && this.scroller) {
      this.scroller.scrollTop = this.restoreScroll;
      this.restoreScroll = undefined;
      this.measure();
    }
    if (changed.has('view')) this.measure();
    if (this.focusAfterRender) {
      const row = this.querySelector<HTMLElement>('.bn-row.is-selected');
      // The row may only exist after the scroll-triggered re-render; try again then.
      if (row) {
        this.focusAfterRender = false;
        row.focus({ preventScroll: true });
      }
    }
  }
}
