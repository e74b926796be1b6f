import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCheckpoints, layerOf } from '../../../src/core/analysis/diff.js';
import { quantizeCheckpoint } from '../../../src/core/convert/quantize.js';
import { openGguf } from '../../../src/core/formats/gguf/openGguf.js';
import { maybeHfBitnet } from '../../../src/core/formats/hfBitnet/openHfBitnet.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/reader.js';
import { gaussian, tempDir, writeFixture, type FixtureTensor } from './helpers.js';

/** Independent float64 absmean reference: γ = mean|W|, code by comparison with γ/2 (ties → 0). */
function refCodes(w: Float32Array): { codes: Int8Array; gamma: number } {
  let s = 0;
  for (const x of w) s += Math.abs(x);
  const gamma = Math.max(s / w.length, 1e-5);
  return { gamma, codes: Int8Array.from(w, (x) => (x > gamma / 2 ? 1 : x < -gamma / 2 ? -1 : 0)) };
}

describe('diffCheckpoints', () => {
  it('counts flipped codes, Δγ and Δsparsity against an independent reference, per layer', async () => {
    const dir = tempDir('diff');
    const base: FixtureTensor[] = [
      { name: 'model.layers.0.mlp.up_proj.weight', dtype: 'F32', shape: [64, 32], values: gaussian(2048, 5) },
      { name: 'model.layers.1.mlp.up_proj.weight', dtype: 'F32', shape: [64, 32], values: gaussian(2048, 6) },
      { name: 'model.norm.weight', dtype: 'F32', shape: [32], values: gaussian(32, 7) },
    ];
    const changed = base.map((t) => ({ ...t, values: t.values.slice() }));
    const w1 = changed[1]!.values;
    for (let i = 0; i < 300; i++) w1[i] = -w1[i]! * 1.7; // flips signs and moves γ
    await writeFixture(join(dir, 'a.safetensors'), base);
    await writeFixture(join(dir, 'b.safetensors'), changed);
    const a = await openSafetensors(join(dir, 'a.safetensors'));
    const b = await openSafetensors(join(dir, 'b.safetensors'));
    const d = await diffCheckpoints(a, b);
    expect(d.tensors.map((t) => t.name)).toEqual(['model.layers.0.mlp.up_proj.weight', 'model.layers.1.mlp.up_proj.weight']);
    expect(d.tensors[0]!.flips).toBe(0);
    const ra = refCodes(base[1]!.values);
    const rb = refCodes(w1);
    let flips = 0;
    let za = 0;
    let zb = 0;
    for (let i = 0; i < 2048; i++) {
      if (ra.codes[i] !== rb.codes[i]) flips++;
      if (ra.codes[i] === 0) za++;
      if (rb.codes[i] === 0) zb++;
    }
    const t1 = d.tensors[1]!;
    expect(flips).toBeGreaterThan(100);
    expect(t1.flips).toBe(flips);
    expect(t1.flipRate).toBeCloseTo(flips / 2048, 12);
    expect(t1.deltaGamma).toBeCloseTo(rb.gamma - ra.gamma, 9);
    expect(t1.deltaSparsity).toBeCloseTo((zb - za) / 2048, 12);
    expect(d.perLayer.map((l) => [l.layer, l.flipRate])).toEqual([[0, 0], [1, flips / 2048]]);
    expect(d.totals.flips).toBe(flips);
    await a.close();
    await b.close();
  });

  it('an HF packed output and a GGUF TQ2_0 output of the same model have no flips', async () => {
    const dir = tempDir('diff2');
    await writeFixture(join(dir, 'm.safetensors'), [
      { name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'BF16', shape: [256, 256], values: gaussian(65536, 9) },
      { name: 'model.layers.0.input_layernorm.weight', dtype: 'BF16', shape: [256], values: gaussian(256, 10) },
    ]);
    const src = await openSafetensors(join(dir, 'm.safetensors'));
    // An HF export is a folder (model + config.json), never written into the input's folder.
    await quantizeCheckpoint(src, { out: join(dir, 'hf'), format: 'hf-bitnet' });
    await quantizeCheckpoint(src, { out: join(dir, 't.gguf'), format: 'gguf-tq2_0' });
    const hf = await maybeHfBitnet(await openSafetensors(join(dir, 'hf', 'model.safetensors')));
    const g = await openGguf(join(dir, 't.gguf'));
    const d = await diffCheckpoints(hf, g);
    expect(d.tensors).toHaveLength(1);
    expect(d.tensors[0]!.nameB).toBe('blk.0.attn_q.weight');
    expect(d.tensors[0]!.storedA && d.tensors[0]!.storedB).toBe(true);
    expect(d.tensors[0]!.flips).toBe(0);
    expect(Math.abs(d.tensors[0]!.relDeltaGamma)).toBeLessThan(2 ** -8); // bf16 vs fp16 rounding of γ
    // Against the unquantized source: stored codes equal freshly quantized ones.
    const d2 = await diffCheckpoints(src, g);
    expect(d2.tensors[0]!.storedA).toBe(false);
    expect(d2.tensors[0]!.flips).toBe(0);
    await hf.close();
    await g.close();
    await src.close();
  });

  it('reads layer numbers from HF, llama.cpp and GPT-2 names', () => {
    expect(layerOf('model.layers.12.mlp.up_proj.weight')).toBe(12);
    expect(layerOf('blk.3.attn_q.weight')).toBe(3);
    expect(layerOf('transformer.h.7.attn.c_attn.weight')).toBe(7);
    expect(layerOf('lm_head.weight')).toBeNull();
  });
});
