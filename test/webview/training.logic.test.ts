/** Display decimation and the metrics store of the training panel (pure functions, no browser). */
import { describe, expect, it } from 'vitest';
import { decimate } from '../../webview-ui/src/training/decimate.js';
import { MetricsStore, shortLayerName } from '../../webview-ui/src/training/store.js';

describe('decimate', () => {
  it('returns short series unchanged', () => {
    const pts = Array.from({ length: 30 }, (_, i) => ({ x: i, y: i * i }));
    expect(decimate(pts, 100)).toEqual(pts);
  });
  it('bounds the output, keeps ends, keeps every extreme of each bucket, stays sorted', () => {
    const pts = Array.from({ length: 100_000 }, (_, i) => ({ x: i + 1, y: Math.sin(i / 500) + (i === 77_777 ? 10 : 0) }));
    const d = decimate(pts, 200);
    expect(d.length).toBeLessThanOrEqual(800);
    expect(d[0]).toEqual(pts[0]);
    expect(d.at(-1)).toEqual(pts.at(-1));
    expect(d.some((p) => p.x === 77_778 && p.y > 8.9)).toBe(true);
    for (let i = 1; i < d.length; i++) expect(d[i]!.x).toBeGreaterThan(d[i - 1]!.x);
    const minAll = Math.min(...pts.map((p) => p.y));
    expect(Math.min(...d.map((p) => p.y))).toBe(minAll);
  });
  it('drops non-finite values (a NaN loss must not break the line)', () => {
    expect(decimate([{ x: 1, y: NaN }, { x: 2, y: 1 }], 10)).toEqual([{ x: 2, y: 1 }]);
  });
});

describe('MetricsStore', () => {
  it('builds per-run and per-layer series in percent where the chart says so', () => {
    const s = new MetricsStore();
    s.add('bitnet', [
      { kind: 'train', step: 10, loss: 1.5, lr: 1e-3, wd: 0.1 },
      { kind: 'eval', step: 10, trainLoss: 1.4, valLoss: 1.2, valMetric: 0.9, metricName: 'accuracy', lr: 1e-3, wd: 0.1, seconds: 1, layers: [{ name: 'layers.0.weight', sparsity: 0.31, gamma: 0.02, flipRate: null }] },
    ]);
    s.add('fp', [{ kind: 'train', step: 10, loss: 1.6, lr: 5e-4, wd: 0.1 }]);
    expect(s.trainLoss(100).map((x) => x.points)).toEqual([[{ x: 10, y: 1.5 }], [{ x: 10, y: 1.6 }]]);
    expect(s.valMetric(100)[0]!.points).toEqual([{ x: 10, y: 90 }]);
    expect(s.layers('sparsity', 100)[0]!.points[0]!.y).toBeCloseTo(31, 12);
    expect(s.layers('flipRate', 100)[0]!.points).toEqual([]); // null at the first evaluation
    expect(s.lastStep()).toBe(10);
  });
  it('shortens layer names', () => {
    expect(shortLayerName('model.layers.1.self_attn.q_proj.weight')).toBe('1.q_proj');
    expect(shortLayerName('model.layers.0.mlp.down_proj.weight')).toBe('0.down_proj');
    expect(shortLayerName('layers.2.weight')).toBe('layer 2');
  });
});
