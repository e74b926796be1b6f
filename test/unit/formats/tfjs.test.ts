import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/core/backend.js';
import { openTfjsModel } from '../../../src/core/formats/tfjs/openTfjs.js';
import type { CheckpointSource } from '../../../src/core/formats/types.js';
import { tempDir } from '../convert/helpers.js';

const require = createRequire(import.meta.url);
const MODEL_JSON = join(dirname(require.resolve('@vscode/vscode-languagedetection/package.json')), 'model', 'model.json');

async function values(src: CheckpointSource, name: string, chunkElements?: number): Promise<Float32Array> {
  const parts: number[] = [];
  for await (const c of src.values(name, chunkElements ? { chunkElements } : {})) parts.push(...c);
  return Float32Array.from(parts);
}

describe('tfjs model.json reader on the real @vscode/vscode-languagedetection model', () => {
  it('lists every weight; params and byte layout agree with an independent count of the manifest', async () => {
    const json = JSON.parse(readFileSync(MODEL_JSON, 'utf8'));
    const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights) as Array<{ name: string; shape: number[]; dtype: string }>;
    const src = await openTfjsModel(MODEL_JSON);
    expect(src.format).toBe('tfjs');
    expect(src.tensors.map((t) => t.name)).toEqual(specs.map((s) => s.name));
    const params = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
    const floatParams = specs.filter((s) => s.dtype === 'float32').reduce((a, s) => a + params(s.shape), 0);
    expect(src.tensors.filter((t) => t.dtype === 'Q8_AFFINE').reduce((a, t) => a + t.params, 0)).toBe(floatParams);
    // The wide-and-deep model: embedding, three dense layers, the linear part and its bias.
    expect(floatParams).toBe(5000 * 70 + 70 * 512 + 512 + 512 * 32 + 32 + 32 * 54 + 54 + 5000 * 54 + 54);
    // Every byte of the single shard is accounted for, in order: the last tensor ends at the shard's end.
    const shardSize = readFileSync(join(dirname(MODEL_JSON), 'group1-shard1of1.bin')).length;
    expect(src.tensors.reduce((a, t) => a + t.bytes, 0)).toBe(shardSize);
    const k = src.tensors.find((t) => t.name === 'dnn/hiddenlayer_0/kernel')!;
    expect(k.shape).toEqual([70, 512]);
    expect(k.bytes).toBe(70 * 512);
    await src.close();
  });

  it('decodes exactly what tfjs decodeWeights decodes', async () => {
    const { tf } = await initBackend('cpu');
    const json = JSON.parse(readFileSync(MODEL_JSON, 'utf8'));
    const shard = readFileSync(join(dirname(MODEL_JSON), 'group1-shard1of1.bin'));
    const ab = shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength);
    const ref = tf.io.decodeWeights(ab, json.weightsManifest[0].weights);
    const src = await openTfjsModel(MODEL_JSON);
    for (const name of ['dnn/hiddenlayer_0/kernel', 'dnn/logits/bias', 'linear/linear_model/content/weights', 'head/strided_slice/stack_1', 'map/Const']) {
      const want = Float32Array.from(ref[name]!.dataSync() as ArrayLike<number>);
      const got = await values(src, name, 1000);
      expect(got.length).toBe(want.length);
      let bad = -1;
      for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) { bad = i; break; }
      expect(bad, name).toBe(-1);
    }
    const str = src.tensors.find((t) => t.dtype === 'STRING')!;
    await expect(values(src, str.name)).rejects.toMatchObject({ code: 'unsupported' });
    tf.dispose(Object.values(ref));
    await src.close();
  });
});

describe('tfjs reader: bad input', () => {
  function model(manifest: unknown, shards: Record<string, number> = {}): string {
    const dir = tempDir('tfjs');
    mkdirSync(join(dir, 'm'));
    for (const [name, size] of Object.entries(shards)) writeFileSync(join(dir, 'm', name), new Uint8Array(size));
    const p = join(dir, 'm', 'model.json');
    writeFileSync(p, JSON.stringify({ format: 'layers-model', weightsManifest: manifest }));
    return p;
  }

  it('refuses shard paths outside the model folder', async () => {
    await expect(openTfjsModel(model([{ paths: ['../secret.bin'], weights: [] }]))).rejects.toMatchObject({ code: 'header', message: expect.stringMatching(/leaves the model folder/) });
    await expect(openTfjsModel(model([{ paths: ['/etc/passwd'], weights: [] }]))).rejects.toMatchObject({ code: 'header' });
  });

  it('refuses weights that need more bytes than the shards hold, naming the tensor', async () => {
    const p = model([{ paths: ['a.bin'], weights: [{ name: 'w', shape: [4, 4], dtype: 'float32' }] }], { 'a.bin': 60 });
    await expect(openTfjsModel(p)).rejects.toMatchObject({ code: 'truncated', place: { tensor: 'w' } });
  });

  it('reads weights spread across two shards and uint16/float16 quantization', async () => {
    const dir = tempDir('tfjs2');
    const a = Buffer.alloc(6);
    const b = Buffer.alloc(6);
    const all = Buffer.alloc(12);
    all.writeUInt16LE(0, 0); all.writeUInt16LE(1000, 2); all.writeUInt16LE(65535, 4); // u16 weight (3 values)
    all.writeUInt16LE(0x3c00, 6); all.writeUInt16LE(0xc000, 8); all.writeUInt16LE(0x3800, 10); // f16: 1, -2, 0.5
    all.copy(a, 0, 0, 6);
    all.copy(b, 0, 6, 12);
    writeFileSync(join(dir, 's1.bin'), a);
    writeFileSync(join(dir, 's2.bin'), b);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({
      weightsManifest: [{ paths: ['s1.bin', 's2.bin'], weights: [
        { name: 'u', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', min: -1, scale: 0.5 } },
        { name: 'h', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
      ] }],
    }));
    const src = await openTfjsModel(join(dir, 'model.json'));
    expect(Array.from(await values(src, 'u'))).toEqual([-1, 499, Math.fround(65535 * 0.5 - 1)]);
    expect(Array.from(await values(src, 'h', 2))).toEqual([1, -2, 0.5]);
    expect(src.tensors[1]!.dtype).toBe('F16');
    await src.close();
  });
});

describe('tfjs model → quantize', () => {
  it('fake-quantizes the real model: kernels become Q·γ of the decoded tfjs values, strings are left out', async () => {
    const { quantizeCheckpoint } = await import('../../../src/core/convert/quantize.js');
    const { openSafetensors } = await import('../../../src/core/formats/safetensors/reader.js');
    const { quantizeWeights } = await import('../../../src/core/quant/quantize.js');
    const src = await openTfjsModel(MODEL_JSON);
    const out = join(tempDir('tfjsq'), 'fq.safetensors');
    const s = await quantizeCheckpoint(src, { out, format: 'fake-quant' });
    expect(s.dropped.length).toBe(src.tensors.filter((t) => t.dtype === 'STRING').length);
    expect(s.tensorsWritten + s.dropped.length).toBe(src.tensors.length);
    const fq = await openSafetensors(out);
    const name = 'dnn/hiddenlayer_1/kernel';
    const q = quantizeWeights(await values(src, name), 'absmean');
    const got = await values(fq, name);
    expect(fq.tensors.find((t) => t.name === name)!.dtype).toBe('F32');
    let bad = -1;
    for (let i = 0; i < got.length; i++) if (got[i] !== Math.fround(q.codes[i]! * q.scale)) { bad = i; break; }
    expect(bad).toBe(-1);
    await fq.close();
    await src.close();
  });
});
