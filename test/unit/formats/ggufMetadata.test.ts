/**
 * Typed GGUF metadata: every value type written by GgufWriter reads back
 * equal through the reader, the bytes are the layout ggml docs/gguf.md
 * specifies (checked against hand-written hex, not against our reader), and
 * hostile metadata ends in a BitnetLabError naming the key and offset.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openGguf } from '../../../src/core/formats/gguf/openGguf.js';
import { GgufWriter } from '../../../src/core/formats/gguf/ggufWriter.js';
import { METADATA_ITEM_BUDGET } from '../../../src/core/formats/gguf/ggufMetadata.js';
import type { GgufEntry } from '../../../src/core/formats/gguf/ggufValue.js';
import { tempDir } from '../convert/helpers.js';
import { buildGguf, kvString, u32, u64 } from './ggufBuilder.js';

const dir = tempDir('gguf-meta');
let counter = 0;
const path = (): string => join(dir, `m${counter++}.gguf`);

async function writeEntries(entries: GgufEntry[], p = path()): Promise<string> {
  const w = await GgufWriter.create(p, entries, []);
  await w.commit();
  return p;
}

async function readEntries(p: string): Promise<readonly GgufEntry[]> {
  const g = await openGguf(p);
  try {
    return g.ggufEntries!;
  } finally {
    await g.close();
  }
}

const EVERY_TYPE: GgufEntry[] = [
  { key: 'u8', type: 'u8', value: 255 },
  { key: 'i8', type: 'i8', value: -128 },
  { key: 'u16', type: 'u16', value: 65535 },
  { key: 'i16', type: 'i16', value: -32768 },
  { key: 'u32', type: 'u32', value: 4294967295 },
  { key: 'i32', type: 'i32', value: -2147483648 },
  { key: 'f32', type: 'f32', value: -1.25 },
  { key: 'f64', type: 'f64', value: Math.PI },
  { key: 'u64', type: 'u64', value: 2n ** 64n - 1n },
  { key: 'i64', type: 'i64', value: -(2n ** 63n) },
  { key: 'bool.t', type: 'bool', value: true },
  { key: 'bool.f', type: 'bool', value: false },
  { key: 'str', type: 'string', value: 'héllo ▁ 🦙' },
  { key: 'str.empty', type: 'string', value: '' },
  { key: 'a.u8', type: 'array', itemType: 'u8', value: [0, 1, 255] },
  { key: 'a.i8', type: 'array', itemType: 'i8', value: [-128, 0, 127] },
  { key: 'a.u16', type: 'array', itemType: 'u16', value: [0, 65535] },
  { key: 'a.i16', type: 'array', itemType: 'i16', value: [-32768, 32767] },
  { key: 'a.u32', type: 'array', itemType: 'u32', value: [0, 4294967295] },
  { key: 'a.i32', type: 'array', itemType: 'i32', value: [-2147483648, 2147483647, 6] },
  { key: 'a.f32', type: 'array', itemType: 'f32', value: [0.5, -1000, Math.fround(0.1)] },
  { key: 'a.f64', type: 'array', itemType: 'f64', value: [0.1, -1e300] },
  { key: 'a.u64', type: 'array', itemType: 'u64', value: [0n, 2n ** 53n + 1n] },
  { key: 'a.i64', type: 'array', itemType: 'i64', value: [-1n, 2n ** 63n - 1n] },
  { key: 'a.bool', type: 'array', itemType: 'bool', value: [true, false, true] },
  { key: 'a.str', type: 'array', itemType: 'string', value: ['<s>', '', '▁the', '<0x0A>'] },
  { key: 'a.empty', type: 'array', itemType: 'i32', value: [] },
  // More than 16 items: rendered as a count, still kept whole.
  { key: 'a.long', type: 'array', itemType: 'f32', value: Array.from({ length: 40 }, (_, i) => -i) },
];

describe('GGUF typed metadata', () => {
  it('writes every value type and reads it back equal, in order, with the 64-bit ones as bigint', async () => {
    const got = await readEntries(await writeEntries(EVERY_TYPE));
    expect(got).toEqual(EVERY_TYPE);
  });

  it('round-trips a header of megabytes (a 200k-token vocabulary)', async () => {
    const big: GgufEntry[] = [
      { key: 'tokenizer.ggml.tokens', type: 'array', itemType: 'string', value: Array.from({ length: 200_000 }, (_, i) => `▁tok${i}`) },
      { key: 'tokenizer.ggml.scores', type: 'array', itemType: 'f32', value: Array.from({ length: 200_000 }, (_, i) => -i) },
    ];
    expect(await readEntries(await writeEntries(big))).toEqual(big);
  });

  it('renders the same entries as strings for display', async () => {
    const g = await openGguf(await writeEntries(EVERY_TYPE));
    expect(g.metadata['u64']).toBe('18446744073709551615');
    expect(g.metadata['bool.f']).toBe('false');
    expect(g.metadata['a.str']).toBe('["<s>", "", "▁the", "<0x0A>"]');
    expect(g.metadata['a.long']).toBe('[40 f32]');
    await g.close();
  });

  it('encodes entries byte for byte as gguf.md lays them out', async () => {
    const p = await writeEntries([
      { key: 'k', type: 'u16', value: 0x1234 },
      { key: 'b', type: 'bool', value: true },
      { key: 'x', type: 'array', itemType: 'i8', value: [-1, 2] },
      { key: 's', type: 'array', itemType: 'string', value: ['ab'] },
      { key: 'q', type: 'i64', value: -2n },
      { key: 'f', type: 'f32', value: 1 },
    ]);
    // magic "GGUF", version 3 (u32), tensor_count 0 (u64), metadata_kv_count 6 (u64), then each KV:
    // gguf_string key (u64 length + bytes), value type (u32), value (arrays: item type u32, count u64, items).
    const expected = [
      '47475546', '03000000', '0000000000000000', '0600000000000000',
      '0100000000000000', '6b', '02000000', '3412',
      '0100000000000000', '62', '07000000', '01',
      '0100000000000000', '78', '09000000', '01000000', '0200000000000000', 'ff02',
      '0100000000000000', '73', '09000000', '08000000', '0100000000000000', '0200000000000000', '6162',
      '0100000000000000', '71', '0b000000', 'feffffffffffffff',
      '0100000000000000', '66', '06000000', '0000803f',
    ].join('');
    const bytes = readFileSync(p);
    expect(bytes.subarray(0, expected.length / 2).toString('hex')).toBe(expected);
    // No tensors: the header is padded to the 32-byte alignment and nothing follows.
    expect(bytes.length).toBe(Math.ceil(expected.length / 2 / 32) * 32);
  });

  it('refuses values their declared type cannot hold, and repeated keys', async () => {
    const bad: Array<[GgufEntry, RegExp]> = [
      [{ key: 'a', type: 'u8', value: 256 }, /"a": 256 does not fit u8/],
      [{ key: 'b', type: 'i32', value: 1.5 }, /does not fit i32/],
      [{ key: 'c', type: 'u64', value: 5 as unknown as bigint }, /64-bit values are bigint/],
      [{ key: 'd', type: 'u64', value: -1n }, /is not a u64/],
      [{ key: 'e', type: 'array', itemType: 'u16', value: [1, 70000] }, /70000 does not fit u16/],
      [{ key: 'f', type: 'array', itemType: 'string', value: [1 as unknown as string] }, /is not a string/],
    ];
    for (const [entry, message] of bad) {
      await expect(writeEntries([entry])).rejects.toMatchObject({ code: 'usage', message });
    }
    const twice: GgufEntry[] = [{ key: 'k', type: 'u8', value: 1 }, { key: 'k', type: 'u8', value: 2 }];
    await expect(writeEntries(twice)).rejects.toMatchObject({ code: 'usage', message: /given twice/ });
  });

  it('lays tensor data out on the alignment the entries declare', async () => {
    const p = path();
    const w = await GgufWriter.create(p, [{ key: 'general.alignment', type: 'u32', value: 64 }], [
      { name: 'a', dims: [3], typeId: 0, bytes: 12 },
      { name: 'b', dims: [1], typeId: 0, bytes: 4 },
    ]);
    for (const n of [12, 4]) {
      await w.write(new Uint8Array(n));
      await w.endTensor();
    }
    await w.commit();
    const g = await openGguf(p);
    expect(g.tensors.map((t) => t.offset % 64)).toEqual([0, 0]);
    expect(g.tensors[1]!.offset - g.tensors[0]!.offset).toBe(64);
    await g.close();
    await expect(writeEntries([{ key: 'general.alignment', type: 'u64', value: 64n }])).rejects.toMatchObject({ code: 'usage' });
  });
});

describe('GGUF typed metadata: hostile input', () => {
  const file = (bytes: Uint8Array): string => {
    const p = path();
    writeFileSync(p, bytes);
    return p;
  };

  it('refuses nested arrays, as llama.cpp does', async () => {
    const nested = Buffer.concat([u32(9), u64(1), u32(4), u64(1), u32(7)]);
    await expect(openGguf(file(buildGguf({ kvs: [['n', 9, nested]] })))).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/array "n" holds arrays/),
      place: { offset: 24 + 8 + 1 + 4 },
    });
  });

  it('refuses an array count the file cannot hold and an absurd string inside an array', async () => {
    const tooMany = Buffer.concat([u32(6), u64(1000)]);
    await expect(openGguf(file(buildGguf({ kvs: [['c', 9, tooMany]] })))).rejects.toMatchObject({ code: 'limit', message: /declares 1000 elements/ });
    // A 2 MiB token text: the file holds it, but no vocabulary has one.
    const long = Buffer.concat([u32(8), u64(1), u64(2 << 20), Buffer.alloc(2 << 20, 0x61)]);
    await expect(openGguf(file(buildGguf({ kvs: [['t', 9, long]] })))).rejects.toMatchObject({ code: 'limit', message: /string #0 of "t" is 2097152 bytes long/ });
  });

  it('bounds the array items one header may hold in total', async () => {
    const half = METADATA_ITEM_BUDGET / 2;
    const arr = (n: number): Buffer => Buffer.concat([u32(0), u64(n), Buffer.alloc(n)]);
    const ok = await openGguf(file(buildGguf({ kvs: [['a', 9, arr(half)], ['b', 9, arr(half)]] })));
    expect(ok.metadata['b']).toBe(`[${half} u8]`);
    await ok.close();
    await expect(openGguf(file(buildGguf({ kvs: [['a', 9, arr(half)], ['b', 9, arr(half + 1)]] })))).rejects.toMatchObject({
      code: 'limit',
      message: /array "b" of 8388609 elements takes the metadata past 16777216/,
    });
  });

  it('refuses a key that appears twice', async () => {
    await expect(openGguf(file(buildGguf({ kvs: [kvString('k', 'a'), kvString('k', 'b')] })))).rejects.toMatchObject({ code: 'header', message: /"k" appears twice/ });
  });
});
