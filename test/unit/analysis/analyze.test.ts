import { describe, expect, it } from 'vitest';
import { analyzeCheckpoint, headerReport } from '../../../src/core/analysis/analyze.js';
import { computeTensorStats } from '../../../src/core/analysis/tensorStats.js';
import type { ProgressEvent } from '../../../src/core/progress.js';
import { BitnetLabError } from '../../../src/core/errors.js';
import { f16ToF32, f32ToF16Bits } from '../../../src/core/formats/dtypes.js';
import { gaussian, toBf16 } from '../quant/random.js';
import { MemorySource, type MemoryTensor } from './memorySource.js';

function tinyLlama(): MemoryTensor[] {
  return [
    { name: 'model.embed_tokens.weight', shape: [100, 64], values: toBf16(gaussian(6400, 1)), dtype: 'BF16' },
    { name: 'model.layers.0.input_layernorm.weight', shape: [64], values: new Float32Array(64).fill(1), dtype: 'BF16' },
    { name: 'model.layers.0.self_attn.q_proj.weight', shape: [64, 64], values: gaussian(4096, 2, 0.02) },
    { name: 'model.layers.0.mlp.up_proj.weight', shape: [512, 1024], values: toBf16(gaussian(512 * 1024, 3, 0.02)), dtype: 'BF16' },
    { name: 'lm_head.weight', shape: [100, 64], values: gaussian(6400, 4) },
  ];
}

describe('analyzeCheckpoint', () => {
  it('reports every tensor with the selection, stats and totals', async () => {
    const src = new MemorySource(tinyLlama());
    const r = await analyzeCheckpoint(src, { method: 'absmean', chunkElements: 10_000 });
    expect(r.backend).toBe('js-stream');
    expect(r.provenance.engine).toBe('js-stream');
    expect(r.provenance.machine).toMatch(/× \d+ cores$/);
    expect(r.tensors.map((t) => [t.quantized, t.reason])).toEqual([
      [false, 'embedding'], [false, '1-D'], [true, undefined], [true, undefined], [false, 'output head'],
    ]);
    // Streaming stats equal the in-memory computation; kept tensors get their value range only, no ternary figures.
    const src2 = tinyLlama();
    r.tensors.forEach((t, i) => {
      const exact16 = t.dtype === 'BF16' && t.params >= 1 << 18;
      const full = computeTensorStats(src2[i]!.values, { method: 'absmean', exact16 });
      if (t.quantized) {
        expect(t.stats).toEqual(full);
        expect(t.distribution).toBeUndefined();
      } else {
        expect(t.stats).toBeNull();
        expect(t.distribution).toEqual({ min: full.min, max: full.max, mean: full.mean, std: full.std, nonFinite: full.nonFinite });
      }
    });
    expect(r.totals.params).toBe(6400 + 64 + 4096 + 512 * 1024 + 6400);
    expect(r.totals.quantizedParams).toBe(4096 + 512 * 1024);
    expect(r.totals.quantizedTensors).toBe(2);
    expect(r.totals.dtypeParams).toEqual({ BF16: 6400 + 64 + 512 * 1024, F32: 4096 + 6400 });
    expect(r.totals.memory.asStored).toBe(r.totals.bytes);
    // q_proj's rows of 64 do not fill I2_S's 128-element blocks: counted as the Q8_0 the exporter writes (34 B per 32).
    expect(r.totals.memory.i2_s).toBe(12800 + 128 + (4096 / 32) * 34 + (512 * 1024) / 4 + 32 + 25600);
    JSON.parse(JSON.stringify(r));
  });

  it('reads a small tensor once (kept between passes) and a BF16 tensor once (one-pass way)', async () => {
    const src = new MemorySource(tinyLlama());
    await analyzeCheckpoint(src, {});
    expect(src.reads.get('model.layers.0.self_attn.q_proj.weight')).toBe(1);
    expect(src.reads.get('raw:model.layers.0.mlp.up_proj.weight')).toBe(1);
    expect(src.reads.get('model.layers.0.mlp.up_proj.weight')).toBeUndefined();
    const big = new MemorySource([{ name: 'w', shape: [300, 100], values: gaussian(30000, 9) }]);
    await analyzeCheckpoint(big, { cacheElements: 1000, chunkElements: 4096 });
    expect(big.reads.get('w')).toBe(2);
  });

  it('progress is in bytes, monotone, and ends at the total', async () => {
    const events: ProgressEvent[] = [];
    const src = new MemorySource(tinyLlama());
    await analyzeCheckpoint(src, { onProgress: (e) => events.push(e), chunkElements: 4096 });
    const total = src.tensors.reduce((s, t) => s + t.bytes, 0);
    expect(events.every((e) => e.unit === 'bytes' && e.total === total)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
    expect(events.at(-1)!.done).toBe(total);
  });

  it('a tensor that cannot be read gets an error; the rest of the report stands', async () => {
    const tensors = tinyLlama();
    tensors[2]!.failAfter = 1000;
    const seen: string[] = [];
    const r = await analyzeCheckpoint(new MemorySource(tensors), { chunkElements: 1000, onTensor: (t, i) => seen.push(`${i}:${t.name}`) });
    expect(r.tensors[2]!.stats).toBeNull();
    expect(r.tensors[2]!.error).toMatch(/file ends inside the tensor/);
    expect(r.tensors[3]!.stats).not.toBeNull();
    expect(seen).toEqual(tensors.map((t, i) => `${i}:${t.name}`));
  });

  it('cancellation throws the cancelled error', async () => {
    const ac = new AbortController();
    const p = analyzeCheckpoint(new MemorySource(tinyLlama()), {
      signal: ac.signal,
      chunkElements: 1000,
      onProgress: (e) => e.done > 20000 && ac.abort(),
    });
    await expect(p).rejects.toSatisfy((e) => e instanceof BitnetLabError && e.code === 'cancelled');
  });

  it('only, statsFor, method, include/exclude and bins are honoured', async () => {
    const src = new MemorySource(tinyLlama());
    const r = await analyzeCheckpoint(src, { only: ['lm_head.weight'], method: 'median', bins: 8, include: ['lm_head*'] });
    expect(r.method).toBe('median');
    expect(r.tensors.map((t) => t.stats === null)).toEqual([true, true, true, true, false]);
    expect(r.tensors[4]!.quantized).toBe(true);
    expect(r.tensors[4]!.stats!.histogram.counts).toHaveLength(8);
    expect(r.provenance.settings).toMatchObject({ method: 'median', bins: 8, only: ['lm_head.weight'] });
    const q = await analyzeCheckpoint(new MemorySource(tinyLlama()), { statsFor: 'quantized' });
    expect(q.tensors.map((t) => t.stats !== null)).toEqual([false, false, true, true, false]);
  });

  it('NaN/Inf weights: stats defined and the tensor flagged in notes', async () => {
    const v = gaussian(4096, 5);
    v[7] = NaN;
    v[9] = -Infinity;
    const r = await analyzeCheckpoint(new MemorySource([{ name: 'blk.0.attn_q.weight', shape: [64, 64], values: v }]));
    expect(r.tensors[0]!.stats!.nonFinite).toBe(2);
    expect(r.tensors[0]!.notes!.join()).toMatch(/2 non-finite/);
    const json = JSON.stringify(r.tensors[0]!.stats);
    expect(json, json).not.toMatch(/null|NaN|Infinity/);
  });

  it('stored ternary tensors report their codes', async () => {
    const codes = Float32Array.from(gaussian(4096, 6), (x) => (x > 0.5 ? 0.03 : x < -0.5 ? -0.03 : 0));
    const r = await analyzeCheckpoint(
      new MemorySource([{ name: 'model.layers.0.mlp.up_proj.weight', shape: [64, 64], values: codes, dtype: 'U8', ternary: { packing: 'hf-bitnet' } }]),
    );
    expect(r.tensors[0]!.stats!.storedTernary).toBe(true);
    expect(r.tensors[0]!.reason).toBe('stored ternary (hf-bitnet)');
    expect(r.tensors[0]!.stats!.zeros).toBe(codes.filter((x) => x === 0).length);
  });

  it('headerReport is the same report with null stats', async () => {
    const src = new MemorySource(tinyLlama());
    const h = headerReport(src, {});
    expect(h.tensors.every((t) => t.stats === null)).toBe(true);
    expect(src.reads.size).toBe(0);
    const full = await analyzeCheckpoint(src, {});
    expect(h.totals).toEqual(full.totals);
  });
});

describe('BF16 tensors are counted from their stored bits', () => {
  it('the raw-bytes way gives the figures of the decoded-values way', async () => {
    const values = toBf16(gaussian(1 << 19, 41, 0.02));
    values[5] = NaN;
    const src = new MemorySource([{ name: 'blk.0.ffn_up.weight', shape: [512, 1024], values, dtype: 'BF16' }]);
    // 99,999-element chunks put every other chunk at a byte offset ≡ 2 (mod 4) and leave odd tails.
    for (const [method, chunkElements] of [['absmean', 100_000], ['median', 99_999], ['sign', 99_999]] as const) {
      const r = await analyzeCheckpoint(src, { method, chunkElements });
      expect(r.tensors[0]!.error).toBeUndefined();
      expect(r.tensors[0]!.stats).toEqual(computeTensorStats(values, { method, exact16: true }));
    }
    expect(src.reads.get('raw:blk.0.ffn_up.weight')).toBe(3);
    expect(src.reads.get('blk.0.ffn_up.weight')).toBeUndefined();
  });
});

describe('F16 tensors are counted from their stored patterns', () => {
  it('gives the figures of the two-pass way on the decoded values', async () => {
    const values = Float32Array.from(gaussian(1 << 18, 43, 0.02), (x) => f16ToF32(f32ToF16Bits(x)));
    values[100] = Infinity;
    const src = new MemorySource([{ name: 'w', shape: [256, 1024], values, dtype: 'F16' }]);
    for (const method of ['absmean', 'median', 'sign'] as const) {
      const s = (await analyzeCheckpoint(src, { method, chunkElements: 77_777 })).tensors[0]!.stats!;
      const g = computeTensorStats(values, { method });
      expect([s.zeros, s.plus, s.minus, s.nonFinite, s.min, s.max]).toEqual([g.zeros, g.plus, g.minus, g.nonFinite, g.min, g.max]);
      expect(s.histogram.counts).toEqual(g.histogram.counts);
      for (const k of ['gamma', 'relRmse', 'cosine', 'sqnrDb', 'mean', 'std', 'entropyBits'] as const) expect(s[k]).toBeCloseTo(g[k], 10);
      s.thresholds.forEach((t, i) => expect(t).toBeCloseTo(g.thresholds[i]!, 12));
    }
    expect(src.reads.get('raw:w')).toBe(3);
  });
});
