/**
 * Horizontal bar chart with aligned text columns to the right of the bars
 * (e.g. size, ×factor vs baseline). Horizontal bars keep long category labels
 * readable in a narrow editor column.
 */
import { customElement, property } from 'lit/decorators.js';
import { CanvasChart } from './chartElement.js';
import { font } from './canvas.js';
import type { ChartTheme } from '../theme.js';

export interface Bar {
  label: string;
  value: number;
  /** Right-hand text columns, one entry per `columns` header. */
  cells: string[];
  /** Index into the theme's series colours; default 0. */
  colorIndex?: number;
  /** Draw this bar in the muted colour (e.g. the baseline). */
  muted?: boolean;
}

@customElement('bn-bar-chart')
export class BarChart extends CanvasChart {
  @property({ attribute: false }) bars: Bar[] = [];
  @property({ attribute: false }) columns: string[] = [];

  protected paint(ctx: CanvasRenderingContext2D, width: number, height: number, t: ChartTheme): void {
    const bars = this.bars;
    if (bars.length === 0) return;
    const fs = t.fontSize;
    ctx.font = font(fs, t.fontFamily);
    const headerH = this.columns.length > 0 ? fs + 8 : 0;
    const labelW = Math.max(...bars.map((b) => ctx.measureText(b.label).width)) + 12;
    const colW = this.columns.map((c, i) => Math.max(ctx.measureText(c).width, ...bars.map((b) => ctx.measureText(b.cells[i] ?? '').width)) + 16);
    const colsTotal = colW.reduce((a, b) => a + b, 0);
    const barX = labelW;
    const barW = Math.max(40, width - labelW - colsTotal - 8);
    const rowH = (height - headerH) / bars.length;
    const max = Math.max(...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), 1e-30);

    // Column headers, right-aligned over their columns.
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'right';
    let x = barX + barW + 8;
    this.columns.forEach((c, i) => {
      x += colW[i]!;
      ctx.fillText(c, x, headerH / 2);
    });

    bars.forEach((b, i) => {
      const y = headerH + i * rowH;
      const cy = y + rowH / 2;
      const bh = Math.max(4, Math.min(rowH * 0.62, 20));
      ctx.fillStyle = t.foreground;
      ctx.textAlign = 'left';
      ctx.fillText(b.label, 0, cy);
      const w = Number.isFinite(b.value) ? Math.max(1, (b.value / max) * barW) : 0;
      ctx.fillStyle = b.muted ? t.muted : t.series[b.colorIndex ?? 0]!;
      ctx.globalAlpha = b.muted ? 0.55 : 0.9;
      ctx.fillRect(barX, cy - bh / 2, w, bh);
      ctx.globalAlpha = 1;
      ctx.textAlign = 'right';
      let cx = barX + barW + 8;
      b.cells.forEach((text, j) => {
        cx += colW[j] ?? 0;
        ctx.fillStyle = j === 0 ? t.foreground : t.muted;
        ctx.fillText(text, cx, cy);
      });
    });
  }
}
