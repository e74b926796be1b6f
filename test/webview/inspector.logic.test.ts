/** Pure logic behind the inspector webview: name parsing, sort/filter, ticks, formatting, reducer. */
import { describe, expect, it } from 'vitest';
import { parseLayerName } from '../../webview-ui/src/inspector/layerNames.js';
import { buildLayerSeries, MAX_SERIES } from '../../webview-ui/src/inspector/layerSeries.js';
import { viewIndices } from '../../webview-ui/src/inspector/tableModel.js';
import { applyEvent, emptyData } from '../../webview-ui/src/inspector/model.js';
import { memoryBars, memoryColumns } from '../../webview-ui/src/inspector/memoryBars.js';
import { niceTicks } from '../../webview-ui/src/shared/charts/canvas.js';
import { formatBytes, formatCount, formatSig } from '../../webview-ui/src/shared/format.js';
import type { TensorRow } from '../../src/protocol/inspector.js';
import type { MemoryByFormat } from '../../src/core/analysis/report.js';

function row(name: string, gamma: number | null, params = 10): TensorRow {
  return {
    name, dtype: 'F32', shape: [params], params, bytes: params * 4, quantized: gamma !== null,
    stats: gamma === null ? null : {
      gamma, zeros: 3, plus: 4, minus: 3, zeroFraction: 0.3, entropyBits: 1.57, relRmse: gamma, cosine: 0.8, sqnrDb: 4, min: -1, max: 1,
      mean: 0, std: 0.5, nonFinite: 0, thresholds: [-gamma / 2, gamma / 2], histogramBins: 8,
    },
  };
}

describe('layer names', () => {
  it.each([
    ['model.layers.12.self_attn.q_proj.weight', 12, 'q'],
    ['model.layers.0.mlp.down_proj.weight', 0, 'down'],
    ['blk.7.attn_output.weight', 7, 'o'],
    ['blk.31.ffn_gate.weight', 31, 'gate'],
    ['transformer.h.3.mlp.c_fc.weight', 3, 'mlp.c_fc'],
    ['transformer.h.3.attn.c_proj.weight', 3, 'attn.c_proj'],
    ['layers.5.attention.wq.weight', 5, 'q'],
    ['layers.5.feed_forward.w2.weight', 5, 'down'],
    ['model.decoder.layers.2.fc1.weight', 2, 'up'],
  ])('%s → layer %i, kind %s', (name, layer, kind) => {
    expect(parseLayerName(name)).toEqual({ layer, kind });
  });
  it('leaves names without a block index alone', () => {
    expect(parseLayerName('model.embed_tokens.weight')).toBeUndefined();
    expect(parseLayerName('lm_head.weight')).toBeUndefined();
    expect(parseLayerName('output_norm.weight')).toBeUndefined();
  });
  it('builds one series per kind in reading order and caps the count', () => {
    const rows = [row('blk.1.ffn_down.weight', 0.2), row('blk.0.attn_q.weight', 0.1), row('blk.1.attn_q.weight', 0.3), row('blk.0.attn_norm.weight', null)];
    const s = buildLayerSeries(rows, (st) => st.gamma);
    expect(s.map((x) => x.name)).toEqual(['q', 'down']);
    expect(s[0]!.points).toEqual([{ x: 0, y: 0.1 }, { x: 1, y: 0.3 }]);
    const many = Array.from({ length: 40 }, (_, i) => row(`blk.0.kind${i}.weight`, 0.1));
    expect(buildLayerSeries(many, (st) => st.gamma).length).toBe(MAX_SERIES);
  });
});

describe('table sort and filter', () => {
  const rows = [row('b.layers.10.x', 0.5), row('a.layers.2.x', 0.1), row('c.norm', null), row('D.layers.1.x', 0.3)];
  it('keeps file order without a sort and filters case-insensitively by substring', () => {
    expect(viewIndices(rows, '', undefined)).toEqual([0, 1, 2, 3]);
    expect(viewIndices(rows, 'LAYERS', undefined)).toEqual([0, 1, 3]);
    expect(viewIndices(rows, 'd.lay', undefined)).toEqual([3]);
    expect(viewIndices(rows, 'zzz', undefined)).toEqual([]);
  });
  it('sorts numbers both ways with rows lacking the value last', () => {
    expect(viewIndices(rows, '', { key: 'gamma', dir: 'desc' })).toEqual([0, 3, 1, 2]);
    expect(viewIndices(rows, '', { key: 'gamma', dir: 'asc' })).toEqual([1, 3, 0, 2]);
  });
  it('sorts names naturally (layers.2 before layers.10)', () => {
    const r = [row('layers.10.w', 1), row('layers.2.w', 1), row('layers.1.w', 1)];
    expect(viewIndices(r, '', { key: 'name', dir: 'asc' })).toEqual([2, 1, 0]);
  });
});

describe('reducer', () => {
  it('init, streamed rows, done, error', () => {
    const d = emptyData();
    const totals = { params: 20, bytes: 80, quantizedParams: 10, quantizedTensors: 1, dtypeParams: { F32: 20 }, memory: {} as MemoryByFormat };
    applyEvent(d, { type: 'init', fileName: 'f', format: 'safetensors', metadata: {}, rows: [row('a', null), row('b', null)], totals, settings: { method: 'absmean', include: [], exclude: [], backend: 'auto' } });
    expect(d.phase).toBe('analyzing');
    applyEvent(d, { type: 'rows', rows: [row('b', 0.2)] });
    expect(d.rows[1]!.stats?.gamma).toBe(0.2);
    expect(d.rows.length).toBe(2);
    applyEvent(d, { type: 'error', message: 'm', code: 'E', recoverable: true });
    expect(d.phase).toBe('failed');
    expect(applyEvent(d, { type: 'reveal', name: 'a' })).toBe(false);
  });
});

describe('memory bars', () => {
  const m: MemoryByFormat = { asStored: 4000, f32: 4000, f16: 2000, int8: 1000, hfBitnet: 250, tq2_0: 258, tq1_0: 211, i2_s: 250, ideal: 198 };
  it('factors are as-stored / format and F16 / format', () => {
    const bars = memoryBars(m);
    expect(memoryColumns(m)).toEqual(['size', 'vs stored', 'vs F16']);
    expect(bars.map((b) => b.label)).toEqual(['as stored', 'F16', 'INT8', 'HF packed (2 bpw)', 'TQ2_0 (2.06 bpw)', 'TQ1_0 (1.69 bpw)', 'ideal (1.58 bit)']);
    expect(bars[5]!.cells).toEqual(['211 B', `×${(4000 / 211).toFixed(1)}`, `×${(2000 / 211).toFixed(2)}`]);
  });
  it('a 16-bit checkpoint gets one factor column', () => {
    expect(memoryColumns({ ...m, asStored: 2000 })).toEqual(['size', 'vs stored = F16']);
    expect(memoryBars({ ...m, asStored: 2000 })[1]!.cells).toEqual(['2.00 KB', '×1.00']);
  });
});

describe('ticks and formats', () => {
  it('nice ticks are exact multiples of the step', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 29, 6, true)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(niceTicks(0, 3, 10, true)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(-0.03, 0.03, 4)).toEqual([-0.02, 0, 0.02]);
    expect(niceTicks(-0.03, 0.03, 6)).toEqual([-0.03, -0.02, -0.01, 0, 0.01, 0.02, 0.03]);
  });
  it('formats sizes, counts and small floats', () => {
    expect(formatBytes(5_481_743_360)).toBe('5.48 GB');
    expect(formatCount(2_740_871_680)).toBe('2.74B');
    expect(formatCount(2560)).toBe('2,560');
    expect(formatSig(0.0280498)).toBe('0.028');
    expect(formatSig(NaN)).toBe('NaN');
    expect(formatSig(-Infinity)).toBe('−Inf');
  });
});
