/**
 * Line chart with several series over a shared numeric x axis, an HTML legend
 * (click a name to hide or show its series) and a hover read-out of the
 * nearest point. Used for per-layer curves and, later, training curves.
 */
import { html, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CanvasChart } from './chartElement.js';
import { font, niceTicks, scaleLinear } from './canvas.js';
import type { ChartTheme } from '../theme.js';

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

interface Hover {
  series: string;
  x: number;
  y: number;
  px: number;
  py: number;
}

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

  private layout: { sx: (v: number) => number; sy: (v: number) => number } | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('pointermove', this.onPointerMove);
    this.addEventListener('pointerleave', this.onPointerLeave);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('pointermove', this.onPointerMove);
    this.removeEventListener('pointerleave', this.onPointerLeave);
  }

  protected override renderExtras(): TemplateResult {
    const h = this.hover;
    return html`
      ${h ? html`<div class="bn-chart-readout" role="status"><b>${h.series}</b> · ${this.xLabel} ${this.xFormat(h.x)} · ${this.yFormat(h.y)}</div>` : ''}
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
      </div>`;
  }

  private toggle(name: string): void {
    const next = new Set(this.hiddenSeries);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    this.hiddenSeries = next;
  }

  private colorOf(s: Series, i: number, t: ChartTheme): string {
    return t.series[(s.colorIndex ?? i) % t.series.length]!;
  }

  protected paint(ctx: CanvasRenderingContext2D, width: number, height: number, t: ChartTheme): void {
    // Legend swatches take their colour from the same theme read (CSSOM write, CSP-safe).
    this.series.forEach((s, i) => {
      const sw = this.querySelector<HTMLElement>(`.bn-swatch[data-series="${CSS.escape(s.name)}"]`);
      if (sw) sw.style.backgroundColor = this.colorOf(s, i, t);
    });
    const visible = this.series.filter((s) => !this.hiddenSeries.has(s.name));
    const pts = visible.flatMap((s) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
    if (pts.length === 0) {
      ctx.fillStyle = t.muted;
      ctx.textAlign = 'center';
      ctx.fillText('no data yet', width / 2, height / 2);
      this.layout = undefined;
      return;
    }
    let x0 = Math.min(...pts.map((p) => p.x), this.xDomain?.[0] ?? Infinity);
    let x1 = Math.max(...pts.map((p) => p.x), this.xDomain?.[1] ?? -Infinity);
    let y0 = Math.min(...pts.map((p) => p.y));
    let y1 = Math.max(...pts.map((p) => p.y));
    if (this.zeroBased) y0 = Math.min(0, y0);
    if (x0 === x1) {
      x0 -= 1;
      x1 += 1;
    }
    const yt = niceTicks(y0, y1, Math.max(3, Math.floor(height / 40)));
    y0 = Math.min(y0, yt[0] ?? y0);
    y1 = Math.max(y1, yt[yt.length - 1] ?? y1);
    const fs = t.fontSize - 1;
    ctx.font = font(fs, t.fontFamily);
    const left = Math.max(...yt.map((v) => ctx.measureText(this.yFormat(v)).width)) + 10;
    const bottom = fs * 2 + 10;
    const top = 8;
    const right = 10;
    const sx = scaleLinear(x0, x1, left, width - right);
    const sy = scaleLinear(y0, y1, height - bottom, top);
    this.layout = { sx, sy };

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
    // x ticks: integers for layer indices, fewer when narrow.
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

    this.series.forEach((s, i) => {
      if (this.hiddenSeries.has(s.name)) return;
      const c = this.colorOf(s, i, t);
      const ps = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
      ctx.strokeStyle = c;
      ctx.fillStyle = c;
      ctx.lineWidth = 1.6;
      ctx.beginPath();
      ps.forEach((p, k) => (k === 0 ? ctx.moveTo(sx(p.x), sy(p.y)) : ctx.lineTo(sx(p.x), sy(p.y))));
      ctx.stroke();
      if (ps.length <= 64) {
        for (const p of ps) {
          ctx.beginPath();
          ctx.arc(sx(p.x), sy(p.y), 2.2, 0, Math.PI * 2);
          ctx.fill();
        }
      }
    });

    const h = this.hover;
    if (h) {
      ctx.strokeStyle = t.foreground;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(sx(h.x), sy(h.y), 4.5, 0, Math.PI * 2);
      ctx.stroke();
    }
  }

  private onPointerMove = (e: PointerEvent): void => {
    const canvas = this.querySelector('canvas');
    if (!canvas || !this.layout) return;
    const r = canvas.getBoundingClientRect();
    const mx = e.clientX - r.left;
    const my = e.clientY - r.top;
    if (my < 0 || my > r.height) return;
    let best: Hover | undefined;
    let bestD = 24 * 24;
    for (const s of this.series) {
      if (this.hiddenSeries.has(s.name)) continue;
      for (const p of s.points) {
        const px = this.layout.sx(p.x);
        const py = this.layout.sy(p.y);
        const d = (px - mx) ** 2 + (py - my) ** 2;
        if (d < bestD) {
          bestD = d;
          best = { series: s.name, x: p.x, y: p.y, px, py };
        }
      }
    }
    if (best?.series !== this.hover?.series || best?.x !== this.hover?.x) this.hover = best;
  };

  private onPointerLeave = (): void => {
    this.hover = undefined;
  };
}
