/**
 * Base class of the canvas charts: a light-DOM Lit element holding one
 * <canvas>. It repaints when its data changes, when its width changes
 * (ResizeObserver) and when the VS Code theme changes, always reading fresh
 * colours from `readChartTheme()`. Subclasses implement `paint()` and may
 * render extra markup (a legend) through `renderExtras()`.
 */
import { LitElement, html, type PropertyValues, type TemplateResult, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { prepareCanvas } from './canvas.js';
import { onThemeChange, readChartTheme, type ChartTheme } from '../theme.js';

export abstract class CanvasChart extends LitElement {
  /** Drawing height in CSS pixels; the width follows the element. */
  @property({ type: Number }) height = 200;
  /** Accessible description of what the chart shows. */
  @property({ type: String }) label = '';

  private resizeObserver: ResizeObserver | undefined;
  private unsubscribeTheme: (() => void) | undefined;
  private frame = 0;
  private lastWidth = 0;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver = new ResizeObserver(() => {
      if (this.clientWidth !== this.lastWidth) this.schedulePaint();
    });
    this.resizeObserver.observe(this);
    this.unsubscribeTheme = onThemeChange(() => this.schedulePaint());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.unsubscribeTheme?.();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  protected override render(): TemplateResult {
    return html`<canvas class="bn-chart-canvas" role="img" aria-label=${this.label}></canvas>${this.renderExtras() ?? nothing}`;
  }

  protected renderExtras(): TemplateResult | undefined {
    return undefined;
  }

  protected override updated(_changed: PropertyValues): void {
    this.schedulePaint();
  }

  /** Coalesce repaint requests into one per animation frame. */
  schedulePaint(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paintNow();
    });
  }

  /** Paint synchronously (tests and the first paint use this too). */
  paintNow(): void {
    const canvas = this.querySelector('canvas');
    if (canvas === null) return;
    const width = this.clientWidth;
    this.lastWidth = width;
    if (width <= 0) return;
    const ctx = prepareCanvas(canvas, width, this.height);
    if (ctx === null) return;
    const theme = readChartTheme(this);
    ctx.font = `${theme.fontSize}px ${theme.fontFamily}`;
    ctx.textBaseline = 'middle';
    this.paint(ctx, width, this.height, theme);
  }

  protected abstract paint(ctx: CanvasRenderingContext2D, width: number, height: number, theme: ChartTheme): void;
}
