import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  openSafetensors,
  planSafetensorsLayout,
  SafetensorsStreamWriter,
  writeSafetensors,
  type TensorData,
} from '../../../src/core/formats/safetensors/index.js';
import { AtomicFileWriter, writeFileAtomic } from '../../../src/core/formats/atomicWrite.js';
import { FIXTURES, makeTempDir, rejection } from './safetensorsTestUtil.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(() => cleanup());

const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

/** Reads every tensor's raw bytes back through our reader. */
async function readAll(path: string): Promise<{ tensors: TensorData[]; metadata: Record<string, string> }> {
  const src = await openSafetensors(path);
  const tensors: TensorData[] = [];
  for (const t of src.tensors) {
    const parts: Buffer[] = [];
    for await (const c of src.rawBytes(t.name)) parts.push(Buffer.from(c));
    tensors.push({ name: t.name, dtype: t.dtype, shape: t.shape, data: Buffer.concat(parts) });
  }
  const metadata = { ...src.metadata };
  await src.close();
  return { tensors, metadata };
}

describe('writer: byte-exact against known answers', () => {
  // Expected bytes are the ones the Rust crate's own serialization tests assert
  // (safetensors/src/tensor.rs, test_serialization / forced alignment / empty).
  it('one F32 tensor [1,2,3]: 64-byte header, no padding needed', async () => {
    const p = join(dir, 'a.safetensors');
    await writeSafetensors(p, [{ name: 'attn.0', dtype: 'F32', shape: [1, 2, 3], data: f32(0, 1, 2, 3, 4, 5) }]);
    const expectedHeader = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(expectedHeader.length).toBe(64);
    const expected = Buffer.concat([Buffer.from([64, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(expectedHeader), Buffer.from(f32(0, 1, 2, 3, 4, 5))]);
    expect((await readFile(p)).equals(expected)).toBe(true);
  });
  it('pads the header with spaces to a multiple of 8 (65 → 72)', async () => {
    const p = join(dir, 'b.safetensors');
    await writeSafetensors(p, [{ name: 'attn0', dtype: 'F32', shape: [1, 1, 2, 3], data: f32(0, 1, 2, 3, 4, 5) }]);
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    const expected = Buffer.concat([Buffer.from([72, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(json + ' '.repeat(72 - json.length)), Buffer.from(f32(0, 1, 2, 3, 4, 5))]);
    expect((await readFile(p)).equals(expected)).toBe(true);
  });
  it('empty file, and metadata only', async () => {
    await writeSafetensors(join(dir, 'e.safetensors'), []);
    expect([...(await readFile(join(dir, 'e.safetensors')))]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    await writeSafetensors(join(dir, 'm.safetensors'), [], { framework: 'pt' });
    const m = await readFile(join(dir, 'm.safetensors'));
    expect(m.readUInt32LE(0)).toBe(40);
    expect(m.subarray(8).toString()).toBe('{"__metadata__":{"framework":"pt"}}     ');
  });
  it('sorts by descending dtype order, then name, so each tensor starts aligned', () => {
    const layout = planSafetensorsLayout([
      { name: 'a', dtype: 'BF16', shape: [3] },
      { name: 'b', dtype: 'F32', shape: [1] },
      { name: 'c', dtype: 'U8', shape: [5] },
      { name: 'd', dtype: 'F32', shape: [2] },
      { name: 'e', dtype: 'I64', shape: [1] },
      { name: '10', dtype: 'I64', shape: [1] },
    ]);
    expect(layout.tensors.map((t) => t.name)).toEqual(['10', 'e', 'b', 'd', 'a', 'c']);
    expect(layout.tensors.map((t) => t.begin)).toEqual([0, 8, 16, 20, 28, 34]);
    expect(layout.dataStart % 8).toBe(0);
    // Integer-like names stay where the layout puts them (JS objects would hoist them).
    expect(Buffer.from(layout.header).toString().indexOf('"10"')).toBe(1);
  });
});

describe('writer: byte-identical round trips of files written by PyTorch', () => {
  const files = [
    'tiny_llama.safetensors',
    'tiny_llama_f32.safetensors',
    'dtypes.safetensors',
    'tiny_llama_sharded/model-00001-of-00002.safetensors',
    'tiny_llama_sharded/model-00002-of-00002.safetensors',
  ];
  it.each(files)('%s', async (file) => {
    const original = await readFile(join(FIXTURES, file));
    const { tensors, metadata } = await readAll(join(FIXTURES, file));
    const hasMeta = original.subarray(8, 40).toString().includes('__metadata__');
    const out = join(dir, 'copy.safetensors');
    // Hand the tensors over in reverse to show the writer, not the caller, fixes the order.
    await writeSafetensors(out, tensors.reverse(), hasMeta ? metadata : undefined);
    expect((await readFile(out)).equals(original)).toBe(true);
  });
});

describe('streaming writer', () => {
  it('accepts chunks, in any tensor order, and verifies sizes exactly', async () => {
    const p = join(dir, 's.safetensors');
    const w = await SafetensorsStreamWriter.create(p, [
      { name: 'x', dtype: 'F32', shape: [4] },
      { name: 'y', dtype: 'BF16', shape: [3] },
    ]);
    await w.write('y', new Uint8Array([0x80, 0x3f]));
    await w.write('x', f32(1, 2));
    await w.write('y', new Uint8Array([0x00, 0x40, 0x40, 0x40]));
    await w.write('x', f32(3, 4));
    await w.commit();
    const src = await openSafetensors(p);
    const vals: Record<string, number[]> = {};
    for (const t of src.tensors) {
      vals[t.name] = [];
      for await (const c of src.values(t.name)) vals[t.name]!.push(...c);
    }
    await src.close();
    expect(vals).toEqual({ x: [1, 2, 3, 4], y: [1, 2, 3] });
  });
  it('a tensor given too many bytes is an error and leaves no file', async () => {
    const p = join(dir, 'over.safetensors');
    const w = await SafetensorsStreamWriter.create(p, [{ name: 'x', dtype: 'F32', shape: [1] }]);
    const e = await rejection(w.write('x', f32(1, 2)));
    expect(e.code).toBe('layout');
    expect(e.place.tensor).toBe('x');
    expect(await readdir(dir)).toEqual([]);
  });
  it('a tensor given too few bytes fails at commit and leaves no file', async () => {
    const p = join(dir, 'under.safetensors');
    const w = await SafetensorsStreamWriter.create(p, [{ name: 'x', dtype: 'F32', shape: [2] }]);
    await w.write('x', f32(1));
    expect((await rejection(w.commit())).code).toBe('layout');
    expect(await readdir(dir)).toEqual([]);
  });
  it('writeSafetensors rejects data of the wrong size, duplicate names and unknown dtypes', async () => {
    const p = join(dir, 'bad.safetensors');
    expect((await rejection(writeSafetensors(p, [{ name: 'x', dtype: 'F16', shape: [3], data: new Uint8Array(4) }]))).code).toBe('layout');
    expect((await rejection(writeSafetensors(p, [
      { name: 'x', dtype: 'U8', shape: [1], data: new Uint8Array(1) },
      { name: 'x', dtype: 'U8', shape: [1], data: new Uint8Array(1) },
    ]))).code).toBe('usage');
    expect((await rejection(writeSafetensors(p, [{ name: 'x', dtype: 'F4', shape: [2], data: new Uint8Array(1) }]))).code).toBe('dtype');
    expect(await readdir(dir)).toEqual([]);
  });
  it('abort() and an abort signal leave nothing behind', async () => {
    const p = join(dir, 'c.safetensors');
    const w = await SafetensorsStreamWriter.create(p, [{ name: 'x', dtype: 'U8', shape: [2] }]);
    await w.write('x', new Uint8Array([1]));
    await w.abort();
    expect(await readdir(dir)).toEqual([]);
    const ac = new AbortController();
    const w2 = await SafetensorsStreamWriter.create(p, [{ name: 'x', dtype: 'U8', shape: [2] }], undefined, { signal: ac.signal });
    ac.abort();
    expect((await rejection(w2.write('x', new Uint8Array([1, 2])))).code).toBe('cancelled');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('atomic writes', () => {
  it('replaces the target only on commit, and abort keeps the old content', async () => {
    const p = join(dir, 'out.bin');
    await writeFile(p, 'old');
    const w = await AtomicFileWriter.open(p);
    await w.write(Buffer.from('new content'));
    expect(await readFile(p, 'utf8')).toBe('old'); // not yet visible
    await w.commit();
    expect(await readFile(p, 'utf8')).toBe('new content');
    const w2 = await AtomicFileWriter.open(p);
    await w2.write(Buffer.from('half'));
    await w2.abort();
    expect(await readFile(p, 'utf8')).toBe('new content');
    expect(await readdir(dir)).toEqual(['out.bin']);
  });
  it('writeFileAtomic accepts bytes, strings and chunk iterables', async () => {
    await writeFileAtomic(join(dir, 'a'), 'héllo');
    await writeFileAtomic(join(dir, 'b'), new Uint16Array([0x0201]));
    await writeFileAtomic(join(dir, 'c'), [Buffer.from('ab'), Buffer.from('cd')]);
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('héllo');
    expect([...(await readFile(join(dir, 'b')))]).toEqual([1, 2]);
    expect(await readFile(join(dir, 'c'), 'utf8')).toBe('abcd');
  });
  it('an iterable that throws leaves no file', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('x');
      throw new Error('boom');
    }
    await expect(writeFileAtomic(join(dir, 'f'), failing())).rejects.toThrow('boom');
    expect(await readdir(dir)).toEqual([]);
  });
  it('cannot create in a missing folder: typed io error', async () => {
    expect((await rejection(writeFileAtomic(join(dir, 'no', 'such', 'f'), 'x'))).code).toBe('io');
  });
});
