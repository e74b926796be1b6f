/**
 * Histogram from explicit bin edges and counts, with vertical markers
 * (thresholds, levels) and optional colouring of bins by the segment they
 * fall in (e.g. the three ternary codes).
 */
import { customElement, property } from 'lit/decorators.js';
import { CanvasChart } from './chartElement.js';
import { font, niceTicks, scaleLinear } from './canvas.js';
import type { ChartTheme } from '../theme.js';

export interface Marker {
  x: number;
  label: string;
  /** 'threshold' draws dashed, 'level' solid. */
  kind: 'threshold' | 'level';
}

@customElement('bn-histogram')
export class HistogramChart extends CanvasChart {
  /** bins + 1 ascending edges. */
  @property({ attribute: false }) edges: ArrayLike<number> = [];
  @property({ attribute: false }) counts: ArrayLike<number> = [];
  @property({ attribute: false }) markers: Marker[] = [];
  /** Split points: bins are coloured by which interval their centre falls in. */
  @property({ attribute: false }) segments: number[] = [];
  /** Theme series indices for each segment (segments.length + 1 entries). */
  @property({ attribute: false }) segmentColors: number[] = [];
  @property({ attribute: false }) xFormat: (v: number) => string = (v) => String(v);
  @property({ type: Boolean }) logY = false;
  /** Visible x range; bins outside are not drawn (heavy tails would squash the body). Default: all bins and markers. */
  @property({ attribute: false }) view: [number, number] | undefined;

  protected paint(ctx: CanvasRenderingContext2D, width: number, height: number, t: ChartTheme): void {
    const n = this.counts.length;
    if (n === 0 || this.edges.length !== n + 1) {
      ctx.fillStyle = t.muted;
      ctx.textAlign = 'center';
      ctx.fillText('no histogram', width / 2, height / 2);
      return;
    }
    const fs = t.fontSize - 1;
    ctx.font = font(fs, t.fontFamily);
    const lo = this.edges[0]!;
    const hi = this.edges[n]!;
    // Keep markers visible even when they sit outside the data range.
    const mx = this.markers.map((m) => m.x).filter(Number.isFinite);
    const x0 = this.view?.[0] ?? Math.min(lo, ...mx);
    const x1 = this.view?.[1] ?? Math.max(hi, ...mx);
    const pad = (x1 - x0) * 0.02 || 1;
    const top = fs * 2 + 8;
    const bottom = fs + 14;
    const sx = scaleLinear(x0 - pad, x1 + pad, 8, width - 8);
    const tr = (c: number) => (this.logY ? Math.log10(1 + c) : c);
    let cmax = 0;
    for (let i = 0; i < n; i++) if (this.edges[i + 1]! >= x0 - pad && this.edges[i]! <= x1 + pad) cmax = Math.max(cmax, tr(this.counts[i]!));
    const sy = scaleLinear(0, cmax || 1, height - bottom, top);

    for (let i = 0; i < n; i++) {
      const a = this.edges[i]!;
      const b = this.edges[i + 1]!;
      const centre = (a + b) / 2;
      let seg = 0;
      while (seg < this.segments.length && centre >= this.segments[seg]!) seg++;
      ctx.fillStyle = t.series[this.segmentColors[seg] ?? 0]!;
      ctx.globalAlpha = 0.75;
      if (b < x0 - pad || a > x1 + pad) continue;
      const xa = Math.max(sx(a), 0);
      const xb = Math.min(sx(b), width);
      const y = sy(tr(this.counts[i]!));
      ctx.fillRect(xa, y, Math.max(1, xb - xa - (xb - xa > 3 ? 1 : 0)), height - bottom - y);
    }
    ctx.globalAlpha = 1;

    // x axis
    ctx.strokeStyle = t.border;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(8, height - bottom + 0.5);
    ctx.lineTo(width - 8, height - bottom + 0.5);
    ctx.stroke();
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'center';
    for (const v of niceTicks(x0, x1, Math.max(2, Math.floor(width / 80)))) {
      const x = sx(v);
      if (x < 20 || x > width - 20) continue;
      ctx.fillText(this.xFormat(v), x, height - bottom + 4 + fs / 2 + 2);
    }

    // Marker labels: levels on the top row, thresholds below. A row whose
    // labels would overlap is left unlabelled (the legend names the lines).
    const rowOk = (kind: Marker['kind']): boolean => {
      const spans = this.markers
        .filter((m) => m.kind === kind && Number.isFinite(m.x))
        .map((m) => {
          const w = ctx.measureText(m.label).width;
          return [sx(m.x) - w / 2 - 2, sx(m.x) + w / 2 + 2] as const;
        })
        .sort((a, b) => a[0] - b[0]);
      return spans.every((s, i) => i === 0 || s[0] >= spans[i - 1]![1]);
    };
    const showLabel = { level: rowOk('level'), threshold: rowOk('threshold') };
    this.markers.forEach((m) => {
      if (!Number.isFinite(m.x)) return;
      const x = Math.round(sx(m.x)) + 0.5;
      ctx.strokeStyle = m.kind === 'threshold' ? t.warning : t.foreground;
      ctx.lineWidth = m.kind === 'threshold' ? 1.2 : 1.5;
      ctx.setLineDash(m.kind === 'threshold' ? [4, 3] : []);
      ctx.beginPath();
      ctx.moveTo(x, top - 2);
      ctx.lineTo(x, height - bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      if (!showLabel[m.kind]) return;
      ctx.fillStyle = m.kind === 'threshold' ? t.warning : t.foreground;
      ctx.textAlign = 'center';
      const row = m.kind === 'threshold' ? 1 : 0;
      const ly = 4 + fs / 2 + row * (fs + 3);
      const w = ctx.measureText(m.label).width;
      const lx = Math.min(Math.max(x, w / 2 + 2), width - w / 2 - 2);
      ctx.fillText(m.label, lx, ly);
    });
  }
}
