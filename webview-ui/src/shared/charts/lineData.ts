/**
 * The data side of the line chart, free of the DOM: finite points in x order,
 * the slice inside a visible x range, a per-pixel-column envelope for drawing
 * (so a 100k-point curve costs a few thousand line segments at any zoom), the
 * point nearest to an x, and the zoom / pan arithmetic of the visible range.
 */
export interface XY {
  x: number;
  y: number;
}

/** Finite points sorted by x. Returns the input itself when it already is (the common case: no copy). */
export function sortedFinite<P extends XY>(points: readonly P[]): readonly P[] {
  let ok = true;
  for (let i = 0; i < points.length && ok; i++) {
    const p = points[i]!;
    ok = Number.isFinite(p.x) && Number.isFinite(p.y) && (i === 0 || p.x >= points[i - 1]!.x);
  }
  return ok ? points : points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
}

/** First index whose x is ≥ `x` (points sorted by x). */
export function lowerBound(points: readonly XY[], x: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.x < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Index range [start, end) to draw for the view [x0, x1]: the points inside
 * plus one neighbour on each side, so the line runs on to the plot's edges.
 */
export function visibleSlice(points: readonly XY[], x0: number, x1: number): [number, number] {
  const start = Math.max(0, lowerBound(points, x0) - 1);
  const end = Math.min(points.length, lowerBound(points, x1 + Number.EPSILON * Math.abs(x1)) + 1);
  return [start, Math.max(start, end)];
}

/** Smallest and largest y of the points with x inside [x0, x1]; undefined when none is. */
export function yExtent(points: readonly XY[], x0: number, x1: number): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = lowerBound(points, x0); i < points.length && points[i]!.x <= x1; i++) {
    const y = points[i]!.y;
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/**
 * The points of [start, end) reduced per pixel column to the first, lowest,
 * highest and last point (in x order): the drawn line is the same as with
 * every point (each column's vertical extent and its joins to the next are
 * kept, so spikes survive), at a cost bounded by the plot's width.
 */
export function pixelEnvelope(points: readonly XY[], start: number, end: number, toPx: (x: number) => number): XY[] {
  if (end - start <= 4) return points.slice(start, end);
  const out: XY[] = [];
  let i = start;
  while (i < end) {
    const col = Math.floor(toPx(points[i]!.x));
    const first = i;
    let lo = i;
    let hi = i;
    i++;
    while (i < end && Math.floor(toPx(points[i]!.x)) === col) {
      if (points[i]!.y < points[lo]!.y) lo = i;
      if (points[i]!.y > points[hi]!.y) hi = i;
      i++;
    }
    const last = i - 1;
    for (const k of [...new Set([first, lo, hi, last])].sort((a, b) => a - b)) out.push(points[k]!);
  }
  return out;
}

/** Index of the point whose x is nearest to `x` (−1 for no points). */
export function nearestByX(points: readonly XY[], x: number): number {
  if (points.length === 0) return -1;
  const i = lowerBound(points, x);
  if (i === 0) return 0;
  if (i === points.length) return points.length - 1;
  return x - points[i - 1]!.x <= points[i]!.x - x ? i - 1 : i;
}

/** A visible x range kept inside the full one, never narrower than `minSpan`. */
export function clampView(x0: number, x1: number, full: [number, number], minSpan: number): [number, number] {
  const fullSpan = full[1] - full[0];
  let span = Math.min(Math.max(x1 - x0, minSpan), fullSpan);
  if (!(span > 0)) return full;
  let a = x0 + (x1 - x0 - span) / 2;
  a = Math.min(Math.max(a, full[0]), full[1] - span);
  span = Math.min(span, full[1] - a);
  return [a, a + span];
}

/** Zoom [x0, x1] by `factor` (< 1 zooms in) keeping the data x under the cursor where it is. */
export function zoomAround(view: [number, number], at: number, factor: number): [number, number] {
  return [at - (at - view[0]) * factor, at + (view[1] - at) * factor];
}
