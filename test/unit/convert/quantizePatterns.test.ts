// The engine packs large BF16/F16 weights straight from their patterns
// (OutputWriter.writeQuantizedPatterns) unless a caller asks to see the codes
// (onQuantized), which keeps the codes-then-pack route. Both routes must write
// byte-identical files for every packed format and method — on tensors with
// NaN/±Inf, F16 and BF16, and shapes whose slabs take the encoders' scalar
// paths. The codes-then-pack route is checked on its own in quantize16.test.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantizeCheckpoint, type QuantizeFormat } from '../../../src/core/convert/quantize.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/reader.js';
import type { QuantMethod } from '../../../src/core/quant/types.js';
import { gaussian, tempDir, writeFixture, type FixtureTensor } from './helpers.js';

/** Gaussian weights with NaN, ±Inf and zeros planted (the engine must code them 0 on both routes). */
function weights(n: number, seed: number): Float32Array {
  const w = gaussian(n, seed, 0.02);
  for (let i = 7; i < n; i += 9973) w[i] = [NaN, Infinity, -Infinity, 0, -0][i % 5]!;
  return w;
}

// 2^18 values and up: the histogram route. Rows of 512 suit every format.
const ALL_FORMATS: FixtureTensor[] = [
  { name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'BF16', shape: [512, 512], values: weights(512 * 512, 1) },
  { name: 'model.layers.0.self_attn.k_proj.weight', dtype: 'F16', shape: [516, 512], values: weights(516 * 512, 2) },
  { name: 'model.layers.0.mlp.up_proj.weight', dtype: 'BF16', shape: [1024, 512], values: weights(1024 * 512, 3) },
];
// HF only: an odd slab size (257 × 257 bytes per slab) takes the packer's scalar path.
const HF_ODD: FixtureTensor[] = [
  { name: 'model.layers.0.mlp.down_proj.weight', dtype: 'BF16', shape: [1028, 257], values: weights(1028 * 257, 4) },
  { name: 'model.layers.0.mlp.gate_proj.weight', dtype: 'F16', shape: [1028, 257], values: weights(1028 * 257, 5) },
];

async function bothRoutes(input: string, format: QuantizeFormat, method: QuantMethod, tag: string): Promise<[Buffer, Buffer]> {
  const src = await openSafetensors(input);
  const dir = tempDir(tag);
  const file = (name: string): string => (format === 'hf-bitnet' ? join(dir, name, 'model.safetensors') : join(dir, `${name}.gguf`));
  let seen = 0;
  await quantizeCheckpoint(src, { out: file('codes'), format, method, onQuantized: () => seen++ });
  await quantizeCheckpoint(src, { out: file('patterns'), format, method });
  await src.close();
  // Every weight took the 16-bit route's codes on the first run (so the second one really differed in route).
  expect(seen).toBeGreaterThan(0);
  return [await readFile(file('codes')), await readFile(file('patterns'))];
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('quantize: packing from patterns writes the bytes of codes-then-pack', () => {
  const formats: QuantizeFormat[] = ['gguf-tq2_0', 'gguf-tq1_0', 'gguf-i2_s', 'hf-bitnet'];
  const methods: QuantMethod[] = ['absmean', 'median', 'sign'];
  let input: Promise<string> | undefined;
  const fixture = (): Promise<string> => {
    input ??= (async () => {
      const path = join(tempDir('qpat-in'), 'model.safetensors');
      await writeFixture(path, ALL_FORMATS);
      return path;
    })();
    return input;
  };

  it.each(formats.flatMap((f) => methods.map((m) => [f, m] as const)))('%s, %s', async (format, method) => {
    const [codes, patterns] = await bothRoutes(await fixture(), format, method, `qpat-${format}-${method}`);
    expect(patterns.length).toBeGreaterThan(512 * 512 / 5);
    expect(firstDiff(patterns, codes)).toBe(-1);
  });

  it('hf-bitnet with odd packed slab sizes (scalar path), BF16 and F16', async () => {
    const path = join(tempDir('qpat-odd'), 'model.safetensors');
    await writeFixture(path, HF_ODD);
    for (const method of methods) {
      const [codes, patterns] = await bothRoutes(path, 'hf-bitnet', method, `qpat-odd-${method}`);
      expect(firstDiff(patterns, codes)).toBe(-1);
    }
  });
});
