import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFromFloat32 } from '../../../src/core/formats/dtypes.js';
import { maybeHfBitnet } from '../../../src/core/formats/hfBitnet/openHfBitnet.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/reader.js';
import { writeSafetensors } from '../../../src/core/formats/safetensors/writer.js';
import type { CheckpointSource } from '../../../src/core/formats/types.js';
import { tempDir } from '../convert/helpers.js';

/** The transformers unpack_weights docstring vector: packed [2,2] → trits [8,2]. */
const DOC_PACKED = new Uint8Array([0b10100001, 0b00011000, 0b10010000, 0b00001010]);
const DOC_TRITS = [[0, -1], [-1, 1], [-1, 1], [-1, 1], [1, 0], [0, -1], [1, -1], [1, -1]].flat();

async function checkpoint(opts: { config?: unknown; packed?: Uint8Array; packedShape?: number[]; scale?: number | null; name?: string }): Promise<CheckpointSource> {
  const dir = tempDir('hf');
  const name = opts.name ?? 'model.layers.0.mlp.up_proj.weight';
  const tensors = [
    { name, dtype: 'U8', shape: opts.packedShape ?? [2, 2], data: opts.packed ?? DOC_PACKED },
    { name: 'model.norm.weight', dtype: 'BF16', shape: [2], data: encodeFromFloat32('BF16', [1, 1]) },
  ];
  if (opts.scale !== null) tensors.push({ name: `${name}_scale`, dtype: 'BF16', shape: [1], data: encodeFromFloat32('BF16', [opts.scale ?? 2]) });
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  if (opts.config !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify(opts.config));
  return maybeHfBitnet(await openSafetensors(join(dir, 'model.safetensors')));
}

async function values(src: CheckpointSource, name: string, chunkElements?: number): Promise<number[]> {
  const out: number[] = [];
  for await (const c of src.values(name, chunkElements ? { chunkElements } : {})) out.push(...c);
  return out;
}

describe('HF BitNet packed reader', () => {
  it('linear_class autobitlinear multiplies: W = Q·weight_scale (docstring vector, logical shape, params)', async () => {
    const src = await checkpoint({ config: { quantization_config: { quant_method: 'bitnet', linear_class: 'autobitlinear' } } });
    expect(src.format).toBe('hf-bitnet');
    const e = src.tensors.find((t) => t.name.endsWith('up_proj.weight'))!;
    expect(e.shape).toEqual([8, 2]);
    expect(e.storedShape).toEqual([2, 2]);
    expect(e.params).toBe(16);
    expect(e.bytes).toBe(4);
    expect(e.ternary?.packing).toBe('hf-bitnet');
    expect(e.ternary?.scaleConvention).toMatch(/Q·weight_scale/);
    expect(await values(src, e.name)).toEqual(DOC_TRITS.map((q) => q * 2));
    // Chunks that straddle slabs and rows give the same values.
    expect(await values(src, e.name, 3)).toEqual(DOC_TRITS.map((q) => q * 2));
    await src.close();
  });

  it('linear_class absent (BitLinear default) divides: W = Q / weight_scale', async () => {
    const src = await checkpoint({ config: { quantization_config: { quant_method: 'bitnet' } }, scale: 4 });
    expect(src.metadata['hf_bitnet.scale_convention']).toMatch(/Q \/ weight_scale/);
    expect(await values(src, 'model.layers.0.mlp.up_proj.weight')).toEqual(DOC_TRITS.map((q) => q / 4));
    await src.close();
  });

  it('is detected without config.json from the weight_scale sibling (and then divides)', async () => {
    const src = await checkpoint({ scale: 0.5 });
    expect(src.format).toBe('hf-bitnet');
    expect(await values(src, 'model.layers.0.mlp.up_proj.weight')).toEqual(DOC_TRITS.map((q) => q / 0.5));
    await src.close();
  });

  it('leaves a plain checkpoint alone', async () => {
    const dir = tempDir('plain');
    await writeSafetensors(join(dir, 'm.safetensors'), [{ name: 'w', dtype: 'U8', shape: [2, 2], data: DOC_PACKED }]);
    const src = await maybeHfBitnet(await openSafetensors(join(dir, 'm.safetensors')));
    expect(src.format).toBe('safetensors');
    await src.close();
  });
});

describe('HF BitNet packed reader: bad input', () => {
  it('code 3 bytes: error names file, tensor and the byte offset', async () => {
    const bad = DOC_PACKED.slice();
    bad[3] = 0b11000000; // slab 3 of packed row 1, column 1
    const src = await checkpoint({ packed: bad });
    const e = src.tensors.find((t) => t.name.endsWith('up_proj.weight'))!;
    await expect(values(src, e.name)).rejects.toMatchObject({ code: 'layout', place: { tensor: e.name, offset: e.offset + 3 }, message: expect.stringMatching(/code 3/) });
    await src.close();
  });

  it('missing weight_scale', async () => {
    const src = await checkpoint({ config: { quantization_config: { quant_method: 'bitnet' } }, scale: null });
    const e = src.tensors.find((t) => t.name.endsWith('up_proj.weight'))!;
    expect(e.notes?.join(' ')).toMatch(/missing .*weight_scale/);
    await expect(values(src, e.name)).rejects.toMatchObject({ code: 'layout', message: expect.stringMatching(/up_proj\.weight.*missing/) });
    await src.close();
  });

  it('packed rows × 4 that do not match the config (shape not divisible by 4 in the original)', async () => {
    const src = await checkpoint({ config: { quantization_config: { quant_method: 'bitnet' }, hidden_size: 8, intermediate_size: 6 } });
    const e = src.tensors.find((t) => t.name.endsWith('up_proj.weight'))!;
    await expect(values(src, e.name)).rejects.toMatchObject({ code: 'layout', message: expect.stringMatching(/2 × 4 = 8 do not match the 6 output rows/) });
    await src.close();
  });
});
