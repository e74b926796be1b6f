/**
 * Per-layer curves of a checkpoint diff, one line per projection kind
 * (q/k/v/o/gate/up/down, or whatever the names give), for the shared
 * <bn-line-chart>. Tensors outside numbered blocks have no layer and are
 * left to the table.
 */
import type { CheckpointDiff, TensorDiff } from '../../../src/core/analysis/diff.js';
import type { Series } from '../shared/charts/index.js';
import { compareKinds, parseLayerName } from '../inspector/layerNames.js';

/** Beyond this many kinds the legend stops being readable; the rest stay in the table. */
export const MAX_KINDS = 12;

export function seriesByKind(diff: CheckpointDiff, metric: (t: TensorDiff) => number): Series[] {
  const byKind = new Map<string, Map<number, { sum: number; weight: number }>>();
  for (const t of diff.tensors) {
    const parsed = parseLayerName(t.name);
    const layer = parsed?.layer ?? t.layer;
    if (layer === null || layer === undefined) continue;
    const kind = parsed?.kind ?? 'other';
    const v = metric(t);
    if (!Number.isFinite(v)) continue;
    let layers = byKind.get(kind);
    if (!layers) byKind.set(kind, (layers = new Map()));
    // Several tensors of one kind in a layer (experts, split heads): parameter-weighted mean.
    const acc = layers.get(layer) ?? { sum: 0, weight: 0 };
    acc.sum += v * t.params;
    acc.weight += t.params;
    layers.set(layer, acc);
  }
  return [...byKind.keys()]
    .sort(compareKinds)
    .slice(0, MAX_KINDS)
    .map((kind, i) => ({
      name: kind,
      colorIndex: i,
      points: [...byKind.get(kind)!.entries()].sort((a, b) => a[0] - b[0]).map(([x, a]) => ({ x, y: a.sum / a.weight })),
    }));
}

export const flipRateSeries = (d: CheckpointDiff): Series[] => seriesByKind(d, (t) => t.flipRate);
export const deltaGammaSeries = (d: CheckpointDiff): Series[] => seriesByKind(d, (t) => t.relDeltaGamma);
export const deltaSparsitySeries = (d: CheckpointDiff): Series[] => seriesByKind(d, (t) => t.deltaSparsity);

/** The layer range of the diff, so all three charts share one x axis. */
export function layerDomain(d: CheckpointDiff): [number, number] | undefined {
  const layers = d.perLayer.map((l) => l.layer);
  return layers.length > 0 ? [Math.min(...layers), Math.max(...layers)] : undefined;
}
