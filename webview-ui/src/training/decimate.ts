/**
 * Display decimation for long curves: split the x range into `buckets` equal
 * bins and keep, per bin, the first point and the points with the smallest
 * and largest y (in x order). Spikes survive (a min/max envelope, unlike
 * striding), the line shape at pixel resolution is kept, and a 100k-step run
 * is drawn from a few thousand points. The full data stays on disk
 * (metrics.jsonl) and in the store.
 */
export interface XY {
  x: number;
  y: number;
}

export function decimate(points: readonly XY[], buckets: number): XY[] {
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (finite.length <= buckets * 3) return finite;
  const x0 = finite[0]!.x;
  const x1 = finite[finite.length - 1]!.x;
  const width = (x1 - x0) / buckets || 1;
  const out: XY[] = [];
  let i = 0;
  while (i < finite.length) {
    const b = Math.min(buckets - 1, Math.floor((finite[i]!.x - x0) / width));
    const first = finite[i]!;
    let lo = first;
    let hi = first;
    let j = i;
    while (j < finite.length && Math.min(buckets - 1, Math.floor((finite[j]!.x - x0) / width)) === b) {
      const p = finite[j]!;
      if (p.y < lo.y) lo = p;
      if (p.y > hi.y) hi = p;
      j++;
    }
    const last = finite[j - 1]!;
    const keep = [first, lo, hi, last].filter((p, k, arr) => arr.indexOf(p) === k).sort((a, c) => a.x - c.x);
    out.push(...keep);
    i = j;
  }
  return out;
}
