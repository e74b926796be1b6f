// The 16-bit route of the quantize engine: large BF16/F16 weights are
// quantized from a histogram of their stored bit patterns (ternarize16.ts).
// The expectation for those tensors is the in-memory form of that route
// (quantizeHalves16 on the raw patterns, itself checked against the float
// quantizer and an exact sum in test/unit/quant/histogram16.test.ts); smaller
// tensors keep the float route and are checked against quantizeWeights. And
// `inspect` (analyzeCheckpoint) must report the very same γ and code counts.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCheckpoint } from '../../../src/core/analysis/analyze.js';
import { quantizeCheckpoint } from '../../../src/core/convert/quantize.js';
import { readTensorHalves, readTensorValues } from '../../../src/core/convert/readTensor.js';
import { openGguf } from '../../../src/core/formats/gguf/openGguf.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/reader.js';
import { decodeI2sCodes } from '../../../src/core/formats/ternary/i2s.js';
import type { CheckpointSource } from '../../../src/core/formats/types.js';
import { quantizeHalves16 } from '../../../src/core/quant/histogram16.js';
import { quantizeWeights } from '../../../src/core/quant/quantize.js';
import type { QuantMethod, TernaryTensor } from '../../../src/core/quant/types.js';
import { firstMismatch, gaussian, tempDir, writeFixture, type FixtureTensor } from './helpers.js';

const BIG = 512; // 512 × 512 = 2^18 values: the smallest tensor on the histogram route.
const TENSORS: Array<{ name: string; gguf: string; dtype: 'BF16' | 'F16'; shape: number[]; histogram: boolean }> = [
  { name: 'model.layers.0.self_attn.q_proj.weight', gguf: 'blk.0.attn_q.weight', dtype: 'BF16', shape: [BIG, BIG], histogram: true },
  { name: 'model.layers.0.self_attn.k_proj.weight', gguf: 'blk.0.attn_k.weight', dtype: 'F16', shape: [BIG, BIG], histogram: true },
  { name: 'model.layers.0.self_attn.v_proj.weight', gguf: 'blk.0.attn_v.weight', dtype: 'BF16', shape: [BIG - 4, BIG], histogram: false },
  // Wide dynamic range: 2^20 first, then values near 2^-40. A sequential sum
  // loses every small one; the bins add them first. On ordinary weights both
  // sums are exact and equal, so only this tensor tells the routes apart.
  { name: 'model.layers.0.self_attn.o_proj.weight', gguf: 'blk.0.attn_output.weight', dtype: 'BF16', shape: [BIG, BIG], histogram: true },
];

function values(i: number, n: number): Float32Array {
  if (i < 3) return gaussian(n, 100 + i, 0.02 * (i + 1));
  const w = gaussian(n, 100 + i, 2 ** -40);
  w[0] = 2 ** 20;
  return w;
}

async function fixture(tag: string): Promise<string> {
  const path = join(tempDir(tag), 'model.safetensors');
  const tensors: FixtureTensor[] = TENSORS.map((t, i) => ({ ...t, values: values(i, t.shape[0]! * t.shape[1]!) }));
  await writeFixture(path, tensors);
  return path;
}

async function rawHalves(src: CheckpointSource, name: string): Promise<Uint16Array> {
  const parts: Uint8Array[] = [];
  for await (const c of src.rawBytes(name)) parts.push(c.slice());
  const b = Buffer.concat(parts);
  return new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Re-chunks a source's raw bytes (odd sizes split patterns) or cuts them short. */
function rechunked(src: CheckpointSource, chunk: number, dropLast = 0, extra = 0): CheckpointSource {
  return {
    path: src.path,
    format: src.format,
    tensors: src.tensors,
    metadata: src.metadata,
    values: (n, o) => src.values(n, o),
    async *rawBytes(name, o) {
      const all = Buffer.concat([await (async () => {
        const parts: Uint8Array[] = [];
        for await (const c of src.rawBytes(name, o)) parts.push(c.slice());
        return Buffer.concat(parts);
      })(), Buffer.alloc(extra)]);
      const end = all.length - dropLast;
      for (let at = 0; at < end; at += chunk) yield all.subarray(at, Math.min(end, at + chunk));
    },
    close: () => src.close(),
  };
}

describe('16-bit route of quantize', () => {
  it.each(['absmean', 'median'] as QuantMethod[])('%s: I2_S output holds the route\'s codes and γ; inspect reports the same γ and code counts', async (method) => {
    const input = await fixture(`q16-${method}`);
    const src = await openSafetensors(input);
    const expected = new Map<string, TernaryTensor>();
    for (const t of TENSORS) {
      const e = src.tensors.find((x) => x.name === t.name)!;
      expected.set(t.name, t.histogram
        ? quantizeHalves16(await rawHalves(src, t.name), t.dtype === 'F16' ? 'f16' : 'bf16', method)
        : quantizeWeights(await readTensorValues(src, e), method));
    }
    const out = join(tempDir(`q16-${method}-out`), 'out.gguf');
    const engine = new Map<string, number>();
    await quantizeCheckpoint(src, { out, format: 'gguf-i2_s', method, onQuantized: (name, q) => engine.set(name, q.scale) });
    const report = await analyzeCheckpoint(src, { method });
    const g = await openGguf(out);
    for (const t of TENSORS) {
      const q = expected.get(t.name)!;
      const e = g.tensors.find((x) => x.name === t.gguf)!;
      const raw = Buffer.concat(await (async () => {
        const parts: Uint8Array[] = [];
        for await (const c of g.rawBytes(e.name)) parts.push(c.slice());
        return parts;
      })());
      const codes = new Int8Array(e.params);
      decodeI2sCodes(raw, 0, e.params / 128, codes, 0);
      expect(firstMismatch(codes, q.codes)).toBe(-1);
      expect(new DataView(raw.buffer, raw.byteOffset).getFloat32(e.params / 4, true)).toBe(Math.fround(q.scale));
      const stats = report.tensors.find((x) => x.name === t.name)!.stats!;
      expect(stats.gamma).toBe(q.scale);
      expect(engine.get(t.name)).toBe(q.scale);
      const plus = codes.reduce((s, c) => s + (c === 1 ? 1 : 0), 0);
      const minus = codes.reduce((s, c) => s + (c === -1 ? 1 : 0), 0);
      expect([stats.plus, stats.minus, stats.zeros]).toEqual([plus, minus, codes.length - plus - minus]);
    }
    await g.close();
    await src.close();
  });

  it('patterns split across odd-sized chunks read the same; short or long data is refused', async () => {
    const src = await openSafetensors(await fixture('q16-chunks'));
    const t = src.tensors.find((x) => x.name === TENSORS[0]!.name)!;
    const whole = await rawHalves(src, t.name);
    const seen: number[] = [];
    const got = await readTensorHalves(rechunked(src, 1001), t, undefined, undefined, (h) => seen.push(h.length));
    expect(firstMismatch(got, whole)).toBe(-1);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(t.params);
    await expect(readTensorHalves(rechunked(src, 4096, 2), t)).rejects.toMatchObject({ code: 'truncated', place: { tensor: t.name } });
    await expect(readTensorHalves(rechunked(src, 4096, 0, 2), t)).rejects.toMatchObject({ code: 'layout', place: { tensor: t.name } });
    await src.close();
  });
});
