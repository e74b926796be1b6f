import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensors, openShardedSafetensors, readSafetensorsHeader } from '../../../src/core/formats/safetensors/index.js';
import type { CheckpointSource } from '../../../src/core/formats/types.js';
import { FIXTURES, makeTempDir, rawSafetensors } from './safetensorsTestUtil.js';

interface RefTensor {
  dtype: string;
  shape: number[];
  meanAbs?: number;
  sum?: number;
  min?: number;
  max?: number;
  ternary?: { minus: number; zeros: number; plus: number };
  first?: number[];
  values?: Array<number | string | null>;
}
const reference = JSON.parse(await readFile(join(FIXTURES, 'reference.json'), 'utf8')) as {
  files: Record<string, { tensors: Record<string, RefTensor> }>;
  sharded: { shards: Record<string, string[]>; totalSize: number };
};

async function collect(src: CheckpointSource, name: string, chunkElements?: number): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const c of src.values(name, chunkElements === undefined ? {} : { chunkElements })) parts.push(c.slice());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Half-to-even rounding, as torch.round does, written out independently of src/core/quant. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

describe.each(['tiny_llama.safetensors', 'tiny_llama_f32.safetensors'])('PyTorch-written %s', (file) => {
  let src: CheckpointSource;
  const ref = reference.files[file]!.tensors;
  beforeAll(async () => {
    src = await openSafetensors(join(FIXTURES, file));
  });
  afterAll(() => src.close());

  it('lists every tensor with dtype, shape, params, bytes and an absolute offset', async () => {
    expect(src.format).toBe('safetensors');
    expect(src.tensors.map((t) => t.name).sort()).toEqual(Object.keys(ref).sort());
    const bytes = await readFile(join(FIXTURES, file));
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    for (const t of src.tensors) {
      expect(t.dtype).toBe(ref[t.name]!.dtype);
      expect(t.shape).toEqual(ref[t.name]!.shape);
      expect(t.storedShape).toEqual(t.shape);
      expect(t.params).toBe(t.shape.reduce((a, b) => a * b, 1));
      expect(t.bytes).toBe(t.params * (t.dtype === 'F32' ? 4 : 2));
      expect(t.offset).toBe(8 + n + header[t.name].data_offsets[0]);
    }
    expect(src.metadata).toEqual({ format: 'pt', generator: 'scripts/fixtures/make_torch_fixtures.py' });
  });

  it('decodes values matching torch: mean|W|, sum, min/max, first values, absmean ternary counts', async () => {
    for (const t of src.tensors) {
      const r = ref[t.name]!;
      const v = await collect(src, t.name);
      expect(v.length).toBe(t.params);
      let abs = 0, sum = 0, min = Infinity, max = -Infinity;
      for (const x of v) {
        abs += Math.abs(x);
        sum += x;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      expect(abs / v.length).toBeCloseTo(r.meanAbs!, 12);
      expect(sum).toBeCloseTo(r.sum!, 9);
      expect(min).toBe(r.min);
      expect(max).toBe(r.max);
      expect([...v.subarray(0, 8)]).toEqual(r.first);
      const gamma = Math.max(r.meanAbs!, 1e-5);
      const counts = { minus: 0, zeros: 0, plus: 0 };
      for (const x of v) {
        const q = Math.max(-1, Math.min(1, roundHalfEven(x / gamma)));
        if (q < 0) counts.minus++; else if (q > 0) counts.plus++; else counts.zeros++;
      }
      expect(counts, t.name).toEqual(r.ternary);
    }
  });

  it('gives the same values whatever the chunk size', async () => {
    const name = 'model.layers.0.mlp.down_proj.weight';
    const whole = await collect(src, name);
    const chunks: number[] = [];
    for await (const c of src.values(name, { chunkElements: 1000 })) chunks.push(c.length);
    expect(Math.max(...chunks)).toBe(1000);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(whole.length);
    expect(await collect(src, name, 1000)).toEqual(whole);
    expect(await collect(src, name, 7)).toEqual(whole);
  });

  it('streams raw bytes identical to the file slice', async () => {
    const bytes = await readFile(join(FIXTURES, file));
    const t = src.tensors[3]!;
    const parts: number[] = [];
    for await (const c of src.rawBytes(t.name, { chunkBytes: 1000 })) parts.push(...c);
    expect(Buffer.from(parts).equals(bytes.subarray(t.offset, t.offset + t.bytes))).toBe(true);
  });
});

describe('dtype zoo written by PyTorch (F64 … BOOL, rank 0, empty)', () => {
  it('decodes NaN, ±inf, subnormals and integers faithfully', async () => {
    const ref = reference.files['dtypes.safetensors']!.tensors;
    const src = await openSafetensors(join(FIXTURES, 'dtypes.safetensors'));
    try {
      for (const t of src.tensors) {
        const r = ref[t.name]!;
        expect(t.dtype).toBe(r.dtype);
        expect(t.shape).toEqual(r.shape);
        const v = await collect(src, t.name);
        if (r.values === undefined) {
          expect([...v]).toEqual(r.first!.map(Math.fround));
          continue;
        }
        const expected = r.values.map((x) => (x === null ? NaN : x === 'inf' ? Infinity : x === '-inf' ? -Infinity : Math.fround(x as number)));
        expect(v.length, t.name).toBe(expected.length);
        expected.forEach((e, i) => {
          if (Number.isNaN(e)) expect(v[i], `${t.name}[${i}]`).toBeNaN();
          else expect(v[i], `${t.name}[${i}]`).toBe(e);
        });
      }
      expect(src.tensors.find((t) => t.name === 'scalar')!.params).toBe(1);
      expect(src.tensors.find((t) => t.name === 'empty')!.params).toBe(0);
    } finally {
      await src.close();
    }
  });
});

describe('sharded checkpoint via model.safetensors.index.json', () => {
  it('exposes every tensor of both shards with the same values as the single file', async () => {
    const sharded = await openShardedSafetensors(join(FIXTURES, 'tiny_llama_sharded', 'model.safetensors.index.json'));
    const single = await openSafetensors(join(FIXTURES, 'tiny_llama.safetensors'));
    try {
      expect(sharded.format).toBe('safetensors-sharded');
      expect(sharded.tensors.map((t) => t.name).sort()).toEqual(single.tensors.map((t) => t.name).sort());
      for (const [shard, names] of Object.entries(reference.sharded.shards)) {
        for (const n of names) expect(sharded.tensors.find((t) => t.name === n)!.file.endsWith(shard)).toBe(true);
      }
      expect(sharded.metadata['total_size']).toBe(String(reference.sharded.totalSize));
      expect(sharded.metadata['format']).toBe('pt');
      for (const name of ['model.embed_tokens.weight', 'model.layers.1.self_attn.k_proj.weight', 'lm_head.weight']) {
        expect(await collect(sharded, name)).toEqual(await collect(single, name));
      }
    } finally {
      await sharded.close();
      await single.close();
    }
  });
});

describe('header-only open', () => {
  it('reads only 8 + N bytes, even when the data region is 4 GiB', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const big = 4 * 1024 ** 3;
      const header = `{"huge":{"dtype":"BF16","shape":[65536,32768],"data_offsets":[0,${big}]},"tiny":{"dtype":"F32","shape":[2],"data_offsets":[${big},${big + 8}]}}`;
      const path = join(dir, 'sparse.safetensors');
      const prefix = rawSafetensors(header);
      await writeFile(path, prefix);
      const h = await open(path, 'r+');
      await h.truncate(prefix.length + big + 8); // sparse: no blocks allocated
      const proto = Object.getPrototypeOf(h) as { read: (...a: unknown[]) => Promise<{ bytesRead: number }> };
      await h.close();
      const spy = vi.spyOn(proto, 'read');
      try {
        const src = await openSafetensors(path);
        const requested = spy.mock.calls.reduce((s, c) => s + (c[2] as number), 0);
        const got = await Promise.all(spy.mock.results.map((r) => r.value as Promise<{ bytesRead: number }>));
        expect(got.reduce((s, r) => s + r.bytesRead, 0)).toBe(prefix.length);
        expect(requested).toBe(prefix.length);
        expect(src.tensors.find((t) => t.name === 'huge')!.bytes).toBe(big);
        expect(src.tensors.find((t) => t.name === 'tiny')!.offset).toBe(prefix.length + big);
        spy.mockClear();
        const v = [];
        for await (const c of src.values('tiny')) v.push(...c);
        expect(v).toEqual([0, 0]);
        expect(spy.mock.calls.reduce((s, c) => s + (c[2] as number), 0)).toBe(8); // just that tensor
        await src.close();
      } finally {
        spy.mockRestore();
      }
      const hdr = await readSafetensorsHeader(path);
      expect(hdr.headerBytes).toBe(header.length);
      expect(hdr.fileSize).toBe(prefix.length + big + 8);
    } finally {
      await cleanup();
    }
  });
});
