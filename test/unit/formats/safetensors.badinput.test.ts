/**
 * Every bad input of issue 2 (and every rule of bitnet-reference.md §4d) gives
 * a typed BitnetLabError naming the file, the tensor where there is one, and an
 * absolute byte offset. Files are built by hand here, not by our writer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensors, openShardedSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { BitnetLabError } from '../../../src/core/errors.js';
import { FIXTURES, makeTempDir, rawSafetensors, rejection, writeRaw } from './safetensorsTestUtil.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(() => cleanup());

let counter = 0;
async function openBytes(bytes: Uint8Array): Promise<{ err: BitnetLabError; path: string }> {
  const path = await writeRaw(dir, `bad${counter++}.safetensors`, bytes);
  const err = await rejection(openSafetensors(path));
  expect(err).toBeInstanceOf(BitnetLabError);
  expect(err.place.file).toBe(path);
  expect(err.message).toContain(path);
  return { err, path };
}

const entry = (dtype: string, shape: number[], b: number, e: number): string =>
  `{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${b},${e}]}`;

describe('truncation', () => {
  it('a file shorter than 8 bytes', async () => {
    for (const n of [0, 3, 7]) {
      const { err } = await openBytes(new Uint8Array(n));
      expect(err.code).toBe('truncated');
      expect(err.place.offset).toBe(0);
    }
  });
  it('the tiny_llama fixture cut at several points', async () => {
    const good = await readFile(join(FIXTURES, 'tiny_llama.safetensors'));
    const n = good.readUInt32LE(0);
    for (const cut of [4, 8, 9, 8 + Math.floor(n / 2), 8 + n - 1]) {
      const { err } = await openBytes(good.subarray(0, cut));
      expect(err.code, `cut at ${cut}`).toBe('truncated');
    }
    for (const cut of [8 + n, 8 + n + 1000, good.length - 1]) {
      const { err } = await openBytes(good.subarray(0, cut));
      expect(err.code, `cut at ${cut}`).toBe('truncated');
      expect(err.place.tensor).toBeDefined(); // names the tensor whose data is missing
      expect(err.place.offset).toBeGreaterThanOrEqual(8 + n);
    }
  });
  it('a header length larger than the file', async () => {
    const { err } = await openBytes(rawSafetensors('{}', new Uint8Array(0), 5000n));
    expect(err.code).toBe('truncated');
    expect(err.place.offset).toBe(8);
  });
  it('a gigantic header length (2^63, 2^64-1, 100,000,001) is refused before allocating', async () => {
    for (const n of [2n ** 63n, 2n ** 64n - 1n, 100_000_001n]) {
      const before = process.memoryUsage().arrayBuffers;
      const { err } = await openBytes(rawSafetensors('{}', new Uint8Array(0), n));
      expect(err.code).toBe('limit');
      expect(err.message).toContain(String(n));
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50_000_000);
    }
  });
  it('the 100,000,000-byte cap can be lowered by the caller', async () => {
    const path = await writeRaw(dir, 'cap.safetensors', rawSafetensors('{}      '));
    expect((await rejection(openSafetensors(path, { maxHeaderBytes: 4 }))).code).toBe('limit');
  });
});

describe('header text', () => {
  it('invalid JSON names the byte where parsing failed', async () => {
    const { err } = await openBytes(rawSafetensors('{"a": {"dtype": "F32",, }}'));
    expect(err.code).toBe('header');
    expect(err.place.offset).toBe(8 + '{"a": {"dtype": "F32",'.length);
  });
  it('not starting with "{"', async () => {
    for (const h of ['[]', '"x"', 'null', '\u0000{}']) {
      const { err } = await openBytes(rawSafetensors(h));
      expect(err.code, h).toBe('header');
    }
  });
  it('invalid UTF-8', async () => {
    const { err } = await openBytes(rawSafetensors(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])));
    expect(err.code).toBe('header');
    expect(err.message).toContain('UTF-8');
  });
  it('duplicate tensor names (JSON.parse would silently keep the last)', async () => {
    const dup = `{"w":${entry('U8', [2], 0, 2)},"w":${entry('U8', [2], 0, 2)}}`;
    const { err } = await openBytes(rawSafetensors(dup, new Uint8Array(2)));
    expect(err.code).toBe('header');
    expect(err.place.tensor).toBe('w');
    expect(err.place.offset).toBe(8 + dup.lastIndexOf('"w"'));
  });
  it('duplicate keys spelled differently (escapes) and inside an entry', async () => {
    const esc = `{"w":${entry('U8', [1], 0, 1)},"\\u0077":${entry('U8', [1], 1, 2)}}`;
    expect((await openBytes(rawSafetensors(esc, new Uint8Array(2)))).err.code).toBe('header');
    const inner = `{"w":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}}`;
    const { err } = await openBytes(rawSafetensors(inner, new Uint8Array(1)));
    expect(err.message).toContain('duplicate key "dtype"');
  });
  it('byte offsets stay exact after non-ASCII names', async () => {
    const h = `{"poids_é":${entry('U8', [1], 0, 1)},"x":${entry('F32', [1], 1, 5)},"x":1}`;
    const { err } = await openBytes(rawSafetensors(h, new Uint8Array(5)));
    expect(err.place.offset).toBe(8 + Buffer.byteLength(h.slice(0, h.lastIndexOf('"x"'))));
  });
  it('__metadata__ must map strings to strings', async () => {
    for (const m of ['{"a":1}', '[]', '"pt"', '{"a":null}']) {
      const { err } = await openBytes(rawSafetensors(`{"__metadata__":${m}}`));
      expect(err.code, m).toBe('header');
      expect(err.place.tensor).toBe('__metadata__');
    }
  });
  it('accepts leading whitespace and trailing space padding (spec and Rust reader)', async () => {
    const path = await writeRaw(dir, 'ws.safetensors', rawSafetensors(` \n{"a":${entry('U8', [1], 0, 1)}}    `, new Uint8Array([7])));
    const src = await openSafetensors(path);
    expect(src.tensors[0]!.offset).toBe(8 + ` \n{"a":${entry('U8', [1], 0, 1)}}    `.length);
    await src.close();
  });
});

describe('entries and layout', () => {
  it('unknown dtype', async () => {
    const h = `{"w":${entry('F4', [2], 0, 1)}}`;
    const { err } = await openBytes(rawSafetensors(h, new Uint8Array(1)));
    expect(err.code).toBe('dtype');
    expect(err.place.tensor).toBe('w');
    expect(err.place.offset).toBe(8 + 1);
  });
  it('malformed shape or offsets', async () => {
    const bad = [
      '{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}',
      '{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}',
      '{"dtype":"U8","shape":"1","data_offsets":[0,1]}',
      '{"dtype":"U8","shape":[1],"data_offsets":[0]}',
      '{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}',
      '{"shape":[1],"data_offsets":[0,1]}',
      '[1,2]',
    ];
    for (const e of bad) {
      const { err } = await openBytes(rawSafetensors(`{"w":${e}}`, new Uint8Array(1)));
      expect(err.code, e).toBe('header');
      expect(err.place.tensor).toBe('w');
    }
  });
  it('shape/offset mismatch names the tensor and its data offset', async () => {
    const h = `{"a":${entry('F32', [2], 0, 8)},"b":${entry('BF16', [3, 2], 8, 18)}}`;
    const { err } = await openBytes(rawSafetensors(h, new Uint8Array(18)));
    expect(err.code).toBe('layout');
    expect(err.place.tensor).toBe('b');
    expect(err.place.offset).toBe(8 + h.length + 8);
  });
  it('element count overflowing 2^53 is a layout error, not a wrong number', async () => {
    const h = `{"w":${entry('U8', [2 ** 30, 2 ** 30, 2 ** 30], 0, 1)}}`;
    expect((await openBytes(rawSafetensors(h, new Uint8Array(1)))).err.code).toBe('layout');
  });
  it('end before begin', async () => {
    const h = `{"w":${entry('U8', [0], 4, 2)}}`;
    expect((await openBytes(rawSafetensors(h, new Uint8Array(4)))).err.code).toBe('layout');
  });
  it('overlapping offsets', async () => {
    const h = `{"a":${entry('U8', [4], 0, 4)},"b":${entry('U8', [4], 2, 6)}}`;
    const { err } = await openBytes(rawSafetensors(h, new Uint8Array(6)));
    expect(err.code).toBe('layout');
    expect(err.message).toContain('overlaps');
    expect(err.place.tensor).toBe('b');
    expect(err.place.offset).toBe(8 + h.length + 2);
  });
  it('gapped offsets', async () => {
    const h = `{"a":${entry('U8', [4], 0, 4)},"b":${entry('U8', [2], 6, 8)}}`;
    const { err } = await openBytes(rawSafetensors(h, new Uint8Array(8)));
    expect(err.code).toBe('layout');
    expect(err.message).toContain('gap of 2 bytes');
    expect(err.place.tensor).toBe('b');
  });
  it('a buffer not starting at 0', async () => {
    const h = `{"a":${entry('U8', [4], 4, 8)}}`;
    expect((await openBytes(rawSafetensors(h, new Uint8Array(8)))).err.code).toBe('layout');
  });
  it('offsets past the end of the file', async () => {
    const h = `{"a":${entry('U8', [4], 0, 4)},"b":${entry('F32', [4], 4, 20)}}`;
    const { err } = await openBytes(rawSafetensors(h, new Uint8Array(12)));
    expect(err.code).toBe('truncated');
    expect(err.place.tensor).toBe('b');
    expect(err.place.offset).toBe(8 + h.length + 4);
  });
  it('trailing bytes no tensor claims', async () => {
    const h = `{"a":${entry('U8', [4], 0, 4)}}`;
    const { err } = await openBytes(rawSafetensors(h, new Uint8Array(9)));
    expect(err.code).toBe('layout');
    expect(err.place.offset).toBe(8 + h.length + 4);
  });
  it('zero-size and rank-0 tensors are valid', async () => {
    const h = `{"e":${entry('F32', [0, 3], 0, 0)},"s":${entry('F64', [], 0, 8)}}`;
    const path = await writeRaw(dir, 'zero.safetensors', rawSafetensors(h, new Uint8Array(new Float64Array([2.5]).buffer)));
    const src = await openSafetensors(path);
    expect(src.tensors.map((t) => [t.name, t.params, t.bytes])).toEqual([['e', 0, 0], ['s', 1, 8]]);
    const v: number[] = [];
    for await (const c of src.values('e')) v.push(...c);
    for await (const c of src.values('s')) v.push(...c);
    expect(v).toEqual([2.5]);
    await src.close();
  });
  it('a file that shrinks after open fails on read with a typed error', async () => {
    const h = `{"a":${entry('F32', [4], 0, 16)}}`;
    const path = await writeRaw(dir, 'shrink.safetensors', rawSafetensors(h, new Uint8Array(16)));
    const src = await openSafetensors(path);
    await writeFile(path, rawSafetensors(h, new Uint8Array(4)));
    const err = await rejection((async () => {
      for await (const _ of src.values('a')) void _;
    })());
    expect(err.code).toBe('truncated');
    expect(err.place.tensor).toBe('a');
    await src.close();
  });
  it('an aborted signal stops a read with a cancelled error', async () => {
    const src = await openSafetensors(join(FIXTURES, 'tiny_llama.safetensors'));
    const ac = new AbortController();
    ac.abort();
    const err = await rejection((async () => {
      for await (const _ of src.values('lm_head.weight', { signal: ac.signal })) void _;
    })());
    expect(err.code).toBe('cancelled');
    await src.close();
  });
});

describe('sharded index problems', () => {
  const srcDir = join(FIXTURES, 'tiny_llama_sharded');
  const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  async function shardedCopy(name: string, edit: (index: { weight_map?: Record<string, string | undefined> }) => void, copyShards = shards): Promise<string> {
    const d = join(dir, name);
    await rm(d, { recursive: true, force: true });
    await mkdir(d);
    for (const s of copyShards) await copyFile(join(srcDir, s), join(d, s));
    const index = JSON.parse(await readFile(join(srcDir, 'model.safetensors.index.json'), 'utf8')) as { weight_map?: Record<string, string | undefined> };
    edit(index);
    const p = join(d, 'model.safetensors.index.json');
    await writeFile(p, JSON.stringify(index));
    return p;
  }
  const fail = async (p: string): Promise<BitnetLabError> => {
    const err = await rejection(openShardedSafetensors(p));
    expect(err).toBeInstanceOf(BitnetLabError);
    return err;
  };

  it('a missing shard file names index and shard', async () => {
    const p = await shardedCopy('missing', () => undefined, [shards[0]!]);
    const err = await fail(p);
    expect(err.code).toBe('shard');
    expect(err.place.file).toBe(p);
    expect(err.message).toContain(shards[1]);
  });
  it('a tensor listed in the index but absent from its shard', async () => {
    const err = await fail(await shardedCopy('absent', (i) => (i.weight_map!['model.ghost.weight'] = shards[0])));
    expect(err.code).toBe('shard');
    expect(err.place.tensor).toBe('model.ghost.weight');
  });
  it('a tensor the index puts in the wrong shard', async () => {
    const err = await fail(await shardedCopy('wrong', (i) => (i.weight_map!['lm_head.weight'] = shards[0])));
    expect(err.code).toBe('shard');
    expect(err.place.tensor).toBe('lm_head.weight');
  });
  it('a shard tensor the index does not list', async () => {
    const err = await fail(await shardedCopy('unlisted', (i) => delete i.weight_map!['lm_head.weight']));
    expect(err.code).toBe('shard');
    expect(err.place.tensor).toBe('lm_head.weight');
  });
  it('a tensor stored in two shards', async () => {
    const d = join(dir, 'twice');
    const p = await shardedCopy('twice', (i) => (i.weight_map!['x'] = shards[0]));
    await copyFile(join(srcDir, shards[0]!), join(d, 'copy.safetensors'));
    const index = JSON.parse(await readFile(p, 'utf8'));
    index.weight_map['model.embed_tokens.weight'] = 'copy.safetensors';
    delete index.weight_map['x'];
    await writeFile(p, JSON.stringify(index));
    const err = await fail(p);
    expect(err.code).toBe('shard');
    expect(err.message).toContain('both');
  });
  it('no weight_map, invalid JSON, a path outside the folder', async () => {
    expect((await fail(await shardedCopy('nomap', (i) => delete i.weight_map))).code).toBe('shard');
    const bad = join(dir, 'badjson.index.json');
    await writeFile(bad, '{"weight_map": ');
    expect((await fail(bad)).code).toBe('header');
    expect((await fail(await shardedCopy('escape', (i) => (i.weight_map!['lm_head.weight'] = '../../etc/passwd')))).code).toBe('shard');
  });
  it('a corrupt shard reports the shard file', async () => {
    const p = await shardedCopy('corrupt', () => undefined);
    const s = join(dir, 'corrupt', shards[1]!);
    await writeFile(s, (await readFile(s)).subarray(0, 100));
    const err = await fail(p);
    expect(err.code).toBe('truncated');
    expect(err.place.file).toBe(s);
  });
});
