/** Per-layer curves (γ, sparsity …) from analysed rows, one series per projection kind. */
import type { TensorRow } from '../../../src/protocol/inspector.js';
import type { Series } from '../shared/charts/index.js';
import { compareKinds, parseLayerName } from './layerNames.js';

export type LayerMetric = (stats: NonNullable<TensorRow['stats']>) => number;

/** More lines than this is a tangle, not a chart: the kinds with the most layers win. */
export const MAX_SERIES = 12;

export function buildLayerSeries(rows: readonly TensorRow[], metric: LayerMetric): Series[] {
  const byKind = new Map<string, { x: number; y: number }[]>();
  for (const r of rows) {
    if (!r.quantized || r.stats === null) continue;
    const ln = parseLayerName(r.name);
    if (ln === undefined) continue;
    const y = metric(r.stats);
    if (!Number.isFinite(y)) continue;
    let pts = byKind.get(ln.kind);
    if (pts === undefined) byKind.set(ln.kind, (pts = []));
    pts.push({ x: ln.layer, y });
  }
  const kinds = [...byKind.keys()].sort((a, b) => byKind.get(b)!.length - byKind.get(a)!.length || compareKinds(a, b)).slice(0, MAX_SERIES);
  return kinds.sort(compareKinds).map((kind, i) => ({ name: kind, points: byKind.get(kind)!, colorIndex: i }));
}
