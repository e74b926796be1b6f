import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openGguf } from '../../../src/core/formats/gguf/openGguf.js';
import { GgufWriter } from '../../../src/core/formats/gguf/ggufWriter.js';
import { encodeFromFloat32, f32ToF16Bits } from '../../../src/core/formats/dtypes.js';
import { encodeTq2_0 } from '../../../src/core/formats/ternary/tq2_0.js';
import { encodeI2s } from '../../../src/core/formats/ternary/i2s.js';
import type { CheckpointSource } from '../../../src/core/formats/types.js';
import { tempDir } from '../convert/helpers.js';
import { buildGguf, gstr, kvF32Array, kvString, kvStringArray, kvU32, u32, u64 } from './ggufBuilder.js';

const dir = tempDir('gguf');
let counter = 0;
function file(bytes: Uint8Array): string {
  const p = join(dir, `f${counter++}.gguf`);
  writeFileSync(p, bytes);
  return p;
}

async function all(src: CheckpointSource, name: string, chunkElements?: number): Promise<number[]> {
  const out: number[] = [];
  for await (const c of src.values(name, chunkElements ? { chunkElements } : {})) out.push(...c);
  return out;
}

describe('GGUF reader', () => {
  it('reads metadata, reversed shapes, F32/F16/Q8_0 values (v3 and v2)', async () => {
    const f32 = encodeFromFloat32('F32', [1, 2, 3, 4, 5, 6]);
    const f16 = encodeFromFloat32('F16', [0.5, -1.5, 2, 65504]);
    const q8 = new Uint8Array(34);
    const d = f32ToF16Bits(0.5);
    q8[0] = d & 0xff; q8[1] = d >> 8;
    for (let i = 0; i < 32; i++) q8[2 + i] = (i - 16) & 0xff;
    for (const version of [2, 3]) {
      const p = file(buildGguf({
        version,
        kvs: [kvString('general.architecture', 'llama'), kvU32('llama.block_count', 2), kvStringArray('tokenizer.ggml.tokens', Array.from({ length: 40 }, (_, i) => `t${i}`)), kvF32Array('small', [1.5, 2])],
        tensors: [
          { name: 'a', dims: [3, 2], type: 0, data: f32 },
          { name: 'b', dims: [4], type: 1, data: f16 },
          { name: 'c', dims: [32, 1], type: 8, data: q8 },
        ],
      }));
      const g = await openGguf(p);
      expect(g.format).toBe('gguf');
      expect(g.metadata['general.architecture']).toBe('llama');
      expect(g.metadata['llama.block_count']).toBe('2');
      expect(g.metadata['tokenizer.ggml.tokens']).toBe('[40 strings]');
      expect(g.metadata['small']).toBe('[1.5, 2]');
      expect(g.metadata['gguf.version']).toBe(String(version));
      const a = g.tensors.find((t) => t.name === 'a')!;
      expect(a.shape).toEqual([2, 3]);
      expect(a.storedShape).toEqual([3, 2]);
      expect(a.params).toBe(6);
      expect(await all(g, 'a', 4)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await all(g, 'b')).toEqual([0.5, -1.5, 2, 65504]);
      expect(await all(g, 'c', 8)).toEqual(Array.from({ length: 32 }, (_, i) => (i - 16) * 0.5));
      expect(g.tensors.find((t) => t.name === 'c')!.bytes).toBe(34);
      await g.close();
    }
  });

  it('honours general.alignment and decodes TQ2_0 in chunks smaller than a block', async () => {
    const codes = Int8Array.from({ length: 256 }, (_, i) => ((i * 7) % 3) - 1);
    const data = new Uint8Array(66);
    encodeTq2_0(codes, 0, 1, f32ToF16Bits(0.25), data, 0);
    const p = file(buildGguf({ alignment: 64, kvs: [kvU32('general.alignment', 64)], tensors: [{ name: 'x', dims: [8], type: 0, data: new Uint8Array(32) }, { name: 'w', dims: [256, 1], type: 35, data }] }));
    const g = await openGguf(p);
    const w = g.tensors.find((t) => t.name === 'w')!;
    expect(w.offset % 64).toBe(0);
    expect(w.ternary?.packing).toBe('tq2_0');
    expect(await all(g, 'w', 100)).toEqual(Array.from(codes, (c) => c * 0.25));
    await g.close();
  });

  it('decides type 36 by provenance and says so in the notes', async () => {
    const codes = Int8Array.from({ length: 128 }, (_, i) => (i % 3) - 1);
    const i2s = encodeI2s(codes, 128, 0.75);
    // Architecture says BitNet.
    const g1 = await openGguf(file(buildGguf({ kvs: [kvString('general.architecture', 'bitnet-b1.58')], tensors: [{ name: 'w', dims: [128, 1], type: 36, data: i2s }] })));
    expect(g1.tensors[0]!.dtype).toBe('I2_S');
    expect(g1.tensors[0]!.notes?.[0]).toMatch(/general\.architecture is "bitnet-b1\.58"/);
    expect(await all(g1, 'w')).toEqual(Array.from(codes, (c) => c * 0.75));
    await g1.close();
    // No architecture, but the data is exactly n/4 + 32 bytes.
    const g2 = await openGguf(file(buildGguf({ tensors: [{ name: 'w', dims: [128, 1], type: 36, data: i2s }] })));
    expect(g2.tensors[0]!.dtype).toBe('I2_S');
    expect(g2.tensors[0]!.notes?.[0]).toMatch(/matches I2_S's n\/4 \+ 32/);
    await g2.close();
    // Neither: listed, not decodable.
    const g3 = await openGguf(file(buildGguf({ kvs: [kvString('general.architecture', 'llama')], tensors: [{ name: 'w', dims: [128, 1], type: 36, data: new Uint8Array(512) }] })));
    expect(g3.tensors[0]!.notes?.[0]).toMatch(/reserved upstream/);
    await expect(all(g3, 'w')).rejects.toMatchObject({ code: 'unsupported', place: { tensor: 'w' } });
    await g3.close();
    // 39 is MXFP4 upstream, TL2 in a BitNet file.
    const g4 = await openGguf(file(buildGguf({ tensors: [{ name: 'w', dims: [32, 1], type: 39, data: new Uint8Array(17) }] })));
    expect(g4.tensors[0]!.dtype).toBe('MXFP4');
    await g4.close();
    const g5 = await openGguf(file(buildGguf({ kvs: [kvString('general.architecture', 'bitnet')], tensors: [{ name: 'w', dims: [32, 1], type: 39, data: new Uint8Array(17) }] })));
    expect(g5.tensors[0]!.dtype).toBe('TL2');
    await g5.close();
  });

  it('lists unknown types with a note and refuses their values clearly', async () => {
    const g = await openGguf(file(buildGguf({ tensors: [{ name: 'odd', dims: [4], type: 77, data: new Uint8Array(4) }] })));
    expect(g.tensors[0]!.notes?.[0]).toMatch(/unknown ggml type id 77/);
    await expect(all(g, 'odd')).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/f\d+\.gguf, tensor "odd"/) });
    await g.close();
  });
});

describe('GGUF reader: bad input', () => {
  const good = (): Buffer => buildGguf({ kvs: [kvString('general.architecture', 'llama')], tensors: [{ name: 'a', dims: [4], type: 0, data: new Uint8Array(16) }] });

  it('bad magic', async () => {
    const b = good();
    b.write('GGML', 0, 'latin1');
    await expect(openGguf(file(b))).rejects.toMatchObject({ code: 'header', place: { offset: 0 }, message: expect.stringMatching(/not a GGUF file/) });
  });

  it('wrong version', async () => {
    await expect(openGguf(file(buildGguf({ version: 1 })))).rejects.toMatchObject({ code: 'unsupported', place: { offset: 4 } });
    await expect(openGguf(file(buildGguf({ version: 4 })))).rejects.toMatchObject({ code: 'unsupported' });
    await expect(openGguf(file(buildGguf({ version: 0x03000000 })))).rejects.toMatchObject({ message: expect.stringMatching(/big-endian/) });
  });

  it('absurd tensor and KV counts are refused before allocation', async () => {
    const b = good();
    u64(2n ** 40n).copy(b, 8);
    await expect(openGguf(file(b))).rejects.toMatchObject({ code: 'limit', place: { offset: 8 } });
    const c = good();
    u64(2n ** 62n).copy(c, 16);
    await expect(openGguf(file(c))).rejects.toMatchObject({ code: 'limit', place: { offset: 16 } });
  });

  it('absurd string length and array count name the offset', async () => {
    const b = good();
    // First KV key length sits at byte 24.
    u64(2n ** 50n).copy(b, 24);
    await expect(openGguf(file(b))).rejects.toMatchObject({ code: 'limit', place: { offset: 24 } });
    const arr = buildGguf({ kvs: [['big', 9, Buffer.concat([u32(8), u64(1e12)])]] });
    await expect(openGguf(file(arr))).rejects.toMatchObject({ code: 'limit', message: expect.stringMatching(/array "big" declares 1000000000000 elements/) });
    const str = buildGguf({ kvs: [['s', 8, Buffer.concat([u64(1e9)])]] });
    await expect(openGguf(file(str))).rejects.toMatchObject({ code: 'limit' });
  });

  it('tensor data past the end of the file', async () => {
    const b = buildGguf({ tensors: [{ name: 'a', dims: [4], type: 0, data: new Uint8Array(16), offset: 4096 }] });
    await expect(openGguf(file(b))).rejects.toMatchObject({ code: 'truncated', place: { tensor: 'a' } });
    const short = good().subarray(0, good().length - 20);
    await expect(openGguf(file(short))).rejects.toMatchObject({ code: 'truncated', place: { tensor: 'a' } });
  });

  it('misaligned data offsets', async () => {
    const b = buildGguf({ tensors: [{ name: 'a', dims: [4], type: 0, data: new Uint8Array(64), offset: 8 }] });
    await expect(openGguf(file(b))).rejects.toMatchObject({ code: 'layout', place: { tensor: 'a' }, message: expect.stringMatching(/not a multiple of the alignment 32/) });
  });

  it('a header cut short and a KV of unknown type', async () => {
    await expect(openGguf(file(good().subarray(0, 90)))).rejects.toMatchObject({ code: 'truncated' });
    const b = buildGguf({ kvs: [['k', 99, Buffer.alloc(4)]] });
    await expect(openGguf(file(b))).rejects.toMatchObject({ code: 'header', message: expect.stringMatching(/unknown value type 99/) });
  });

  it('too many dimensions', async () => {
    const b = buildGguf({ tensors: [{ name: 'a', dims: [1, 1, 1, 1, 4], type: 0, data: new Uint8Array(16) }] });
    await expect(openGguf(file(b))).rejects.toMatchObject({ code: 'header', place: { tensor: 'a' } });
  });
});

describe('GGUF writer', () => {
  it('writes v3, aligned starts, and reads back through the reader', async () => {
    const p = join(dir, 'w.gguf');
    const w = await GgufWriter.create(p, [{ key: 'general.architecture', type: 'string', value: 'bitnet' }, { key: 'general.alignment', type: 'u32', value: 32 }], [
      { name: 'n', dims: [3], typeId: 0, bytes: 12 },
      { name: 'm', dims: [2, 2], typeId: 0, bytes: 16 },
    ]);
    await w.write(encodeFromFloat32('F32', [1, 2, 3]));
    await w.endTensor();
    await w.write(encodeFromFloat32('F32', [4, 5, 6, 7]));
    await w.endTensor();
    await w.commit();
    const g = await openGguf(p);
    expect(g.metadata['gguf.version']).toBe('3');
    expect(g.tensors.map((t) => t.offset % 32)).toEqual([0, 0]);
    expect(await all(g, 'm')).toEqual([4, 5, 6, 7]);
    await g.close();
    // The name string layout is what gguf.md specifies: u64 length, bytes.
    const bytes = Buffer.from(await import('node:fs').then((fs) => fs.readFileSync(p)));
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(bytes.indexOf(gstr('general.architecture'))).toBe(24);
  });
});

describe('GGUF reader: large vocabularies', () => {
  it('keeps a 300k-string tokenizer array whole, renders it as a count, and catches a bad length inside it', async () => {
    const tokens = Array.from({ length: 300_000 }, (_, i) => `tok${i}`);
    const p = file(buildGguf({ kvs: [kvStringArray('tokenizer.ggml.merges', tokens), kvString('after', 'ok')] }));
    const g = await openGguf(p);
    expect(g.metadata['tokenizer.ggml.merges']).toBe('[300000 strings]');
    expect(g.metadata['after']).toBe('ok');
    expect(g.ggufEntries![0]).toEqual({ key: 'tokenizer.ggml.merges', type: 'array', itemType: 'string', value: tokens });
    await g.close();
    const bytes = buildGguf({ kvs: [kvStringArray('v', tokens.slice(0, 100))] });
    const firstLen = bytes.indexOf(gstr('tok0'));
    u64(2n ** 45n).copy(bytes, firstLen);
    await expect(openGguf(file(bytes))).rejects.toMatchObject({ code: 'limit', place: { offset: firstLen } });
  });
});
