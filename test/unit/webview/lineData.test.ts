/**
 * The line chart's data side against brute force: the per-pixel envelope
 * draws the same column extents and joins as every point does, the nearest
 * point by x, the visible slice, and zoom limits.
 */
import { describe, expect, it } from 'vitest';
import { clampView, nearestByX, pixelEnvelope, sortedFinite, visibleSlice, yExtent, zoomAround, type XY } from '../../../webview-ui/src/shared/charts/lineData.js';

/** A deterministic wiggly curve with a spike, irregular x spacing. */
function curve(n: number): XY[] {
  const out: XY[] = [];
  let x = 0;
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x += 0.5 + s / 2 ** 32;
    out.push({ x, y: Math.sin(i / 50) + (i === Math.floor(n / 3) ? 10 : 0) + (s / 2 ** 32 - 0.5) * 0.1 });
  }
  return out;
}

describe('line chart data', () => {
  it('pixelEnvelope keeps, per pixel column, the extent of every point and the first and last point', () => {
    const pts = curve(20_000);
    const toPx = (x: number): number => ((x - pts[0]!.x) / (pts.at(-1)!.x - pts[0]!.x)) * 500;
    const env = pixelEnvelope(pts, 0, pts.length, toPx);
    expect(env.length).toBeLessThanOrEqual(4 * 501);
    const cols = new Map<number, XY[]>();
    for (const p of pts) cols.set(Math.floor(toPx(p.x)), [...(cols.get(Math.floor(toPx(p.x))) ?? []), p]);
    const envCols = new Map<number, XY[]>();
    for (const p of env) envCols.set(Math.floor(toPx(p.x)), [...(envCols.get(Math.floor(toPx(p.x))) ?? []), p]);
    expect([...envCols.keys()]).toEqual([...cols.keys()]);
    for (const [c, all] of cols) {
      const kept = envCols.get(c)!;
      expect(Math.min(...kept.map((p) => p.y))).toBe(Math.min(...all.map((p) => p.y)));
      expect(Math.max(...kept.map((p) => p.y))).toBe(Math.max(...all.map((p) => p.y)));
      expect(kept[0]).toBe(all[0]);
      expect(kept.at(-1)).toBe(all.at(-1));
    }
    // Still in x order, and the spike survives.
    for (let i = 1; i < env.length; i++) expect(env[i]!.x).toBeGreaterThan(env[i - 1]!.x);
    expect(Math.max(...env.map((p) => p.y))).toBe(Math.max(...pts.map((p) => p.y)));
  });

  it('nearestByX and visibleSlice agree with a linear scan', () => {
    const pts = curve(3000);
    for (const x of [-5, 0, pts[10]!.x, (pts[10]!.x + pts[11]!.x) / 2 + 1e-9, 700, pts.at(-1)!.x + 9]) {
      const brute = pts.reduce((best, p, i) => (Math.abs(p.x - x) < Math.abs(pts[best]!.x - x) ? i : best), 0);
      expect(Math.abs(pts[nearestByX(pts, x)]!.x - x)).toBe(Math.abs(pts[brute]!.x - x));
    }
    const [a, b] = visibleSlice(pts, 100, 200);
    const inside = pts.map((p, i) => [p, i] as const).filter(([p]) => p.x >= 100 && p.x <= 200).map(([, i]) => i);
    expect(a).toBe(inside[0]! - 1);
    expect(b).toBe(inside.at(-1)! + 2);
    const ys = inside.map((i) => pts[i]!.y);
    expect(yExtent(pts, 100, 200)).toEqual([Math.min(...ys), Math.max(...ys)]);
    expect(yExtent(pts, -10, -5)).toBeUndefined();
  });

  it('sortedFinite returns sorted input as is, else a sorted copy without NaN', () => {
    const ok = [{ x: 1, y: 1 }, { x: 2, y: 0 }];
    expect(sortedFinite(ok)).toBe(ok);
    expect(sortedFinite([{ x: 3, y: 1 }, { x: 1, y: NaN }, { x: 2, y: 2 }])).toEqual([{ x: 2, y: 2 }, { x: 3, y: 1 }]);
  });

  it('zoom stays inside the data and never narrower than the minimum span', () => {
    expect(clampView(-50, 20, [0, 100], 1)).toEqual([0, 70]);
    expect(clampView(90, 130, [0, 100], 1)).toEqual([60, 100]);
    expect(clampView(-10, 500, [0, 100], 1)).toEqual([0, 100]);
    const narrow = clampView(50, 50.001, [0, 100], 2);
    expect(narrow[1] - narrow[0]).toBeCloseTo(2, 12);
    expect(zoomAround([0, 100], 25, 0.5)).toEqual([12.5, 62.5]);
  });
});
