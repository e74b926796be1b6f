/** Low-level canvas helpers shared by the charts: crisp HiDPI setup and axis ticks. */

/** Size the backing store for devicePixelRatio so lines and text stay sharp. */
export function prepareCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D | null {
  const dpr = Math.max(1, globalThis.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  // CSSOM writes are allowed under a strict CSP (unlike style attributes in markup).
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);
  return ctx;
}

/**
 * "Nice" tick values (1, 2, 2.5, 5 × 10^k steps) covering [min, max]. Ticks
 * are integer multiples of the step, rounded to its decimals, so 0.6 never
 * prints as 0.6000000000000001. `integers` keeps the step ≥ 1 (layer indices).
 */
export function niceTicks(min: number, max: number, target = 5, integers = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integers) step = Math.max(1, Math.round(step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const out: number[] = [];
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9 && out.length <= 50; k++) {
    out.push(k === 0 ? 0 : Number((k * step).toFixed(decimals)));
  }
  return out;
}

export function font(size: number, family: string, weight = 'normal'): string {
  return `${weight} ${size}px ${family}`;
}

/** Linear map from a data interval onto a pixel interval. */
export function scaleLinear(d0: number, d1: number, p0: number, p1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (p1 - p0) / (d1 - d0);
  return (v) => p0 + (v - d0) * k;
}
