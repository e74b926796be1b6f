/**
 * Line chart with several series over a shared numeric x axis: an HTML
 * legend (click a name to hide or show its series), a hover read-out of every
 * series at the x under the pointer, and zoom / pan of the x range — drag
 * across the plot to zoom into that range, Shift+drag or Shift+wheel to pan,
 * Ctrl+wheel (or a pinch) to zoom around the pointer, double-click or the
 * Reset button (or Escape / 0 when focused) to see everything again. The keys
 * ← → pan and + − zoom. Plain wheel scrolls the page, as everywhere else.
 *
 * Curves of any length are drawn through a per-pixel-column envelope of the
 * visible range (lineData.ts), so a 100k-step training curve keeps its
 * spikes and its full detail when zoomed in, at a cost set by the width.
 */
import { html, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CanvasChart } from './chartElement.js';
import { font, niceTicks, scaleLinear } from './canvas.js';
import { clampView, nearestByX, pixelEnvelope, sortedFinite, visibleSlice, yExtent, zoomAround } from './lineData.js';
import type { ChartTheme } from '../theme.js';
import { adoptCss } from '../adoptCss.js';
import chartCss from './lineChart.css';

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
  /** Index into the theme's series colours; default: position in the list. */
  colorIndex?: number;
}

/** The read-out: the x under the pointer and each visible series' value there. */
interface Hover {
  x: number;
  /** Pointer position over the canvas (CSS px): the read-out floats beside it. */
  px: number;
  py: number;
  /** Series nearest the pointer first. */
  values: Array<{ series: string; x: number; y: number }>;
}

interface Layout {
  left: number;
  right: number;
  top: number;
  bottom: number;
  x0: number;
  x1: number;
  sx: (v: number) => number;
  sy: (v: number) => number;
}

/** Fewest pixels a drag must cover to count as a zoom selection (less is a click). */
const MIN_DRAG_PX = 5;
/** Most series the read-out lists (per-layer charts can have dozens). */
const MAX_READOUT = 8;

const styled = new WeakSet<Document>();

@customElement('bn-line-chart')
export class LineChart extends CanvasChart {
  @property({ attribute: false }) series: Series[] = [];
  @property({ type: String }) xLabel = '';
  @property({ attribute: false }) yFormat: (v: number) => string = (v) => String(v);
  @property({ attribute: false }) xFormat: (v: number) => string = (v) => String(v);
  /** Include y = 0 in the range (for shares and scales). */
  @property({ type: Boolean }) zeroBased = false;
  /** Fixed x domain (e.g. all layers while only some are analysed yet), widened by the data if needed. */
  @property({ attribute: false }) xDomain: [number, number] | undefined;
  /** Only integer x ticks (layer indices, steps). */
  @property({ type: Boolean }) xIntegers = false;
  @state() private hiddenSeries = new Set<string>();
  @state() private hover: Hover | undefined;
  /** Zoomed x range; undefined shows the whole domain. */
  @state() private view: [number, number] | undefined;

  private layout: Layout | undefined;
  private full: [number, number] | undefined;
  private drag: { startPx: number; nowPx: number; pan: boolean; view: [number, number] } | undefined;
  private sorted = new WeakMap<Point[], { length: number; points: readonly Point[] }>();

  override connectedCallback(): void {
    super.connectedCallback();
    const doc = this.ownerDocument;
    if (!styled.has(doc)) {
      styled.add(doc);
      adoptCss(chartCss, doc);
    }
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    this.addEventListener('pointermove', this.onPointerMove);
    this.addEventListener('pointerleave', this.onPointerLeave);
    this.addEventListener('pointerdown', this.onPointerDown);
    this.addEventListener('pointerup', this.onPointerUp);
    this.addEventListener('wheel', this.onWheel, { passive: false });
    this.addEventListener('dblclick', this.onDoubleClick);
    this.addEventListener('keydown', this.onKeyDown);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('pointermove', this.onPointerMove);
    this.removeEventListener('pointerleave', this.onPointerLeave);
    this.removeEventListener('pointerdown', this.onPointerDown);
    this.removeEventListener('pointerup', this.onPointerUp);
    this.removeEventListener('wheel', this.onWheel);
    this.removeEventListener('dblclick', this.onDoubleClick);
    this.removeEventListener('keydown', this.onKeyDown);
  }

  /** The x range shown: the zoomed one, or the whole domain. */
  get visibleRange(): [number, number] | undefined {
    return this.view ?? this.full;
  }

  /** Show only [x0, x1] (kept inside the data's domain). */
  zoomTo(x0: number, x1: number): void {
    if (!this.full) return;
    const v = clampView(Math.min(x0, x1), Math.max(x0, x1), this.full, this.minSpan());
    this.setView(v[0] <= this.full[0] && v[1] >= this.full[1] ? undefined : v);
  }

  resetZoom(): void {
    this.setView(undefined);
  }

  protected override renderExtras(): TemplateResult {
    const h = this.hover;
    const zoomed = this.view !== undefined;
    return html`
      ${h
        ? html`<div class="bn-chart-readout" role="status">${this.xLabel ? `${this.xLabel} ` : ''}${this.xFormat(h.x)}${h.values.map(
            (v, i) => html` · ${i === 0 ? html`<b>${v.series}</b>` : v.series} ${this.yFormat(v.y)}${v.x !== h.x ? ` (at ${this.xFormat(v.x)})` : ''}`,
          )}</div>`
        : ''}
      <div class="bn-legend" role="list">
        ${this.series.map(
          (s) => html`<button
            type="button"
            role="listitem"
            class="bn-legend-item ${this.hiddenSeries.has(s.name) ? 'is-off' : ''}"
            aria-pressed=${this.hiddenSeries.has(s.name) ? 'false' : 'true'}
            title="show/hide ${s.name}"
            @click=${() => this.toggle(s.name)}
          ><span class="bn-swatch" data-series=${s.name}></span>${s.name}</button>`,
        )}
        ${zoomed
          ? html`<button type="button" class="bn-chart-reset" title="Show the whole ${this.xLabel || 'x'} range (double-click the chart, or Escape)" @click=${() => this.resetZoom()}>Reset zoom</button>`
          : ''}
      </div>`;
  }

  private toggle(name: string): void {
    const next = new Set(this.hiddenSeries);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    this.hiddenSeries = next;
  }

  private setView(v: [number, number] | undefined): void {
    if (v?.[0] === this.view?.[0] && v?.[1] === this.view?.[1]) return;
    this.view = v;
    this.hover = undefined;
    this.dispatchEvent(new CustomEvent('bn-view-change', { detail: v, bubbles: true }));
  }

  private colorOf(s: Series, i: number, t: ChartTheme): string {
    return t.series[(s.colorIndex ?? i) % t.series.length]!;
  }

  /** Points of a series, finite and in x order (cached while the array is unchanged). */
  private pointsOf(s: Series): readonly Point[] {
    const c = this.sorted.get(s.points);
    if (c && c.length === s.points.length) return c.points;
    const points = sortedFinite(s.points);
    this.sorted.set(s.points, { length: s.points.length, points });
    return points;
  }

  /** Narrowest zoom: a few points of the densest series, or one x unit for integer axes. */
  private minSpan(): number {
    if (!this.full) return 0;
    const span = this.full[1] - this.full[0];
    const n = Math.max(2, ...this.visibleSeries().map((s) => this.pointsOf(s).length));
    return Math.max(this.xIntegers ? 2 : 0, (span / n) * 4, span * 1e-9);
  }

  private visibleSeries(): Series[] {
    return this.series.filter((s) => !this.hiddenSeries.has(s.name));
  }

  protected paint(ctx: CanvasRenderingContext2D, width: number, height: number, t: ChartTheme): void {
    // Legend swatches take their colour from the same theme read (CSSOM write, CSP-safe).
    this.series.forEach((s, i) => {
      const sw = this.querySelector<HTMLElement>(`.bn-swatch[data-series="${CSS.escape(s.name)}"]`);
      if (sw) sw.style.backgroundColor = this.colorOf(s, i, t);
    });
    const visible = this.visibleSeries().map((s) => this.pointsOf(s)).filter((p) => p.length > 0);
    if (visible.length === 0) {
      ctx.fillStyle = t.muted;
      ctx.textAlign = 'center';
      ctx.fillText('no data yet', width / 2, height / 2);
      this.layout = undefined;
      this.full = undefined;
      return;
    }
    let fx0 = Math.min(...visible.map((p) => p[0]!.x), this.xDomain?.[0] ?? Infinity);
    let fx1 = Math.max(...visible.map((p) => p[p.length - 1]!.x), this.xDomain?.[1] ?? -Infinity);
    if (fx0 === fx1) {
      fx0 -= 1;
      fx1 += 1;
    }
    this.full = [fx0, fx1];
    // New data may have moved the domain: keep the zoom inside it.
    const [x0, x1] = this.view ? clampView(this.view[0], this.view[1], this.full, this.minSpan()) : this.full;

    // y fits what is visible, so a zoomed-in stretch of a curve fills the plot.
    const ext = visible.map((p) => yExtent(p, x0, x1)).filter((e): e is [number, number] => e !== undefined);
    let y0 = ext.length > 0 ? Math.min(...ext.map((e) => e[0])) : 0;
    let y1 = ext.length > 0 ? Math.max(...ext.map((e) => e[1])) : 1;
    if (this.zeroBased) y0 = Math.min(0, y0);
    const yt = niceTicks(y0, y1, Math.max(3, Math.floor(height / 40)));
    // Round the range out to whole ticks, one step beyond data that sits between ticks, so a curve
    // never runs along the plot's top or bottom edge unlabelled.
    const step = yt.length > 1 ? yt[1]! - yt[0]! : 0;
    if (step > 0 && yt[yt.length - 1]! < y1) yt.push(Number((yt[yt.length - 1]! + step).toPrecision(12)));
    if (step > 0 && yt[0]! > y0) yt.unshift(Number((yt[0]! - step).toPrecision(12)));
    y0 = Math.min(y0, yt[0] ?? y0);
    y1 = Math.max(y1, yt[yt.length - 1] ?? y1);
    if (y0 === y1) {
      y0 -= 1;
      y1 += 1;
    }
    const fs = t.fontSize - 1;
    ctx.font = font(fs, t.fontFamily);
    const left = Math.max(...yt.map((v) => ctx.measureText(this.yFormat(v)).width)) + 10;
    const bottom = fs * 2 + 10;
    const top = 8;
    const right = 10;
    const sx = scaleLinear(x0, x1, left, width - right);
    const sy = scaleLinear(y0, y1, height - bottom, top);
    this.layout = { left, right: width - right, top, bottom: height - bottom, x0, x1, sx, sy };

    // Grid and y labels.
    ctx.strokeStyle = t.grid;
    ctx.lineWidth = 1;
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'right';
    for (const v of yt) {
      const y = Math.round(sy(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(width - right, y);
      ctx.stroke();
      ctx.fillText(this.yFormat(v), left - 6, y);
    }
    // x ticks: integers for layer indices and steps, fewer when narrow.
    const xt = niceTicks(x0, x1, Math.max(2, Math.floor((width - left) / 60)), this.xIntegers).filter((v) => v >= x0 && v <= x1);
    ctx.textAlign = 'center';
    for (const v of xt) {
      const x = Math.round(sx(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, height - bottom);
      ctx.lineTo(x, height - bottom + 4);
      ctx.stroke();
      ctx.fillText(this.xFormat(v), x, height - bottom + 4 + fs / 2 + 2);
    }
    if (this.xLabel) ctx.fillText(this.xLabel, left + (width - right - left) / 2, height - fs / 2 - 2);
    ctx.strokeStyle = t.border;
    ctx.beginPath();
    ctx.moveTo(left, height - bottom + 0.5);
    ctx.lineTo(width - right, height - bottom + 0.5);
    ctx.stroke();

    ctx.save();
    ctx.beginPath();
    ctx.rect(left - 3, top - 3, width - right - left + 6, height - bottom - top + 6);
    ctx.clip();
    this.series.forEach((s, i) => {
      if (this.hiddenSeries.has(s.name)) return;
      const all = this.pointsOf(s);
      const [a, b] = visibleSlice(all, x0, x1);
      const ps = pixelEnvelope(all, a, b, sx);
      const c = this.colorOf(s, i, t);
      ctx.strokeStyle = c;
      ctx.fillStyle = c;
      ctx.lineWidth = 1.6;
      ctx.beginPath();
      ps.forEach((p, k) => (k === 0 ? ctx.moveTo(sx(p.x), sy(p.y)) : ctx.lineTo(sx(p.x), sy(p.y))));
      ctx.stroke();
      if (b - a <= 64) {
        for (const p of ps) {
          ctx.beginPath();
          ctx.arc(sx(p.x), sy(p.y), 2.2, 0, Math.PI * 2);
          ctx.fill();
        }
      }
    });

    const h = this.hover;
    if (h && h.x >= x0 && h.x <= x1) {
      const hx = Math.round(sx(h.x)) + 0.5;
      ctx.strokeStyle = t.muted;
      ctx.lineWidth = 1;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(hx, top);
      ctx.lineTo(hx, height - bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.strokeStyle = t.foreground;
      ctx.lineWidth = 1.5;
      for (const v of h.values) {
        ctx.beginPath();
        ctx.arc(sx(v.x), sy(v.y), 4.5, 0, Math.PI * 2);
        ctx.stroke();
      }
    }
    ctx.restore();

    const d = this.drag;
    if (d && !d.pan && Math.abs(d.nowPx - d.startPx) >= MIN_DRAG_PX) {
      const a = Math.max(left, Math.min(d.startPx, d.nowPx));
      const b = Math.min(width - right, Math.max(d.startPx, d.nowPx));
      ctx.fillStyle = t.accent;
      ctx.globalAlpha = 0.18;
      ctx.fillRect(a, top, b - a, height - bottom - top);
      ctx.globalAlpha = 1;
    }
  }

  /** Pointer position over the canvas, in CSS pixels. */
  private canvasPoint(e: MouseEvent): { mx: number; my: number } | undefined {
    const canvas = this.querySelector('canvas');
    if (!canvas) return undefined;
    const r = canvas.getBoundingClientRect();
    return { mx: e.clientX - r.left, my: e.clientY - r.top };
  }

  private dataX(px: number): number {
    const l = this.layout!;
    return l.x0 + ((px - l.left) / (l.right - l.left)) * (l.x1 - l.x0);
  }

  private onPointerDown = (e: PointerEvent): void => {
    const p = this.canvasPoint(e);
    if (!p || !this.layout || e.button !== 0 || e.target !== this.querySelector('canvas')) return;
    if (p.mx < this.layout.left || p.mx > this.layout.right) return;
    this.drag = { startPx: p.mx, nowPx: p.mx, pan: e.shiftKey, view: [this.layout.x0, this.layout.x1] };
    (e.target as Element).setPointerCapture?.(e.pointerId);
    e.preventDefault();
  };

  private onPointerUp = (e: PointerEvent): void => {
    const d = this.drag;
    this.drag = undefined;
    if (!d || !this.layout) return;
    if (!d.pan && Math.abs(d.nowPx - d.startPx) >= MIN_DRAG_PX) this.zoomTo(this.dataX(d.startPx), this.dataX(d.nowPx));
    else this.schedulePaint();
    this.updateHover(e);
  };

  private onPointerMove = (e: PointerEvent): void => {
    const d = this.drag;
    const p = this.canvasPoint(e);
    if (d && p && this.layout) {
      d.nowPx = p.mx;
      if (d.pan) {
        const perPx = (d.view[1] - d.view[0]) / (this.layout.right - this.layout.left);
        const shift = (d.startPx - p.mx) * perPx;
        this.zoomTo(d.view[0] + shift, d.view[1] + shift);
      } else this.schedulePaint();
      return;
    }
    this.updateHover(e);
  };

  private updateHover(e: MouseEvent): void {
    const p = this.canvasPoint(e);
    const l = this.layout;
    const canvas = this.querySelector('canvas');
    if (!p || !l || !canvas || p.my < 0 || p.my > l.bottom + 4 || p.mx < 0 || p.mx > canvas.clientWidth) {
      if (this.hover) this.hover = undefined;
      return;
    }
    const x = this.dataX(Math.min(Math.max(p.mx, l.left), l.right));
    const values: Array<{ series: string; x: number; y: number; d: number }> = [];
    for (const s of this.visibleSeries()) {
      const pts = this.pointsOf(s);
      const i = nearestByX(pts, x);
      if (i < 0) continue;
      const q = pts[i]!;
      if (q.x < l.x0 || q.x > l.x1) continue;
      values.push({ series: s.name, x: q.x, y: q.y, d: Math.abs(l.sy(q.y) - p.my) + Math.abs(l.sx(q.x) - p.mx) });
    }
    if (values.length === 0) {
      if (this.hover) this.hover = undefined;
      return;
    }
    values.sort((a, b) => a.d - b.d);
    const shown = values.slice(0, MAX_READOUT).map(({ series, x: vx, y }) => ({ series, x: vx, y }));
    const hx = shown[0]!.x;
    const same = this.hover && this.hover.x === hx && this.hover.values.length === shown.length && this.hover.values.every((v, i) => v.series === shown[i]!.series && v.x === shown[i]!.x);
    if (!same) this.hover = { x: hx, px: p.mx, py: p.my, values: shown };
    else this.placeReadout(p.mx);
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    super.updated(changed);
    if (this.hover) this.placeReadout(this.hover.px);
  }

  /**
   * Float the read-out beside the pointer — right of it, or left near the
   * right edge — over the top of the plot (CSSOM writes: allowed under the
   * strict CSP, unlike style attributes).
   */
  private placeReadout(px: number): void {
    const box = this.querySelector<HTMLElement>('.bn-chart-readout');
    const l = this.layout;
    if (!box || !l) return;
    const w = box.offsetWidth;
    const gap = 14;
    const left = px + gap + w <= this.clientWidth ? px + gap : Math.max(0, px - gap - w);
    box.style.left = `${Math.round(left)}px`;
    box.style.right = 'auto';
    box.style.top = `${Math.round(l.top)}px`;
  }

  private onPointerLeave = (): void => {
    if (!this.drag) this.hover = undefined;
  };

  private onWheel = (e: WheelEvent): void => {
    const p = this.canvasPoint(e);
    const l = this.layout;
    if (!p || !l || p.mx < l.left || p.mx > l.right) return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      const factor = Math.exp(Math.max(-1, Math.min(1, e.deltaY / 300)));
      const v = zoomAround([l.x0, l.x1], this.dataX(p.mx), factor);
      this.zoomTo(v[0], v[1]);
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      if (!this.view) return;
      e.preventDefault();
      const delta = (e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX) / (l.right - l.left);
      const shift = delta * (l.x1 - l.x0);
      this.zoomTo(l.x0 + shift, l.x1 + shift);
    }
  };

  private onDoubleClick = (): void => {
    this.resetZoom();
  };

  private onKeyDown = (e: KeyboardEvent): void => {
    const l = this.layout;
    if (!l || e.target !== this) return;
    const span = l.x1 - l.x0;
    const mid = (l.x0 + l.x1) / 2;
    if (e.key === 'Escape' || e.key === '0') this.resetZoom();
    else if (e.key === '+' || e.key === '=') this.zoomTo(mid - span / 4, mid + span / 4);
    else if (e.key === '-' || e.key === '_') this.zoomTo(mid - span, mid + span);
    else if (e.key === 'ArrowLeft') this.zoomTo(l.x0 - span / 5, l.x1 - span / 5);
    else if (e.key === 'ArrowRight') this.zoomTo(l.x0 + span / 5, l.x1 + span / 5);
    else return;
    e.preventDefault();
  };
}
