/**
 * HF BitNet packed weights whose rows are wider than a chunk are decoded in
 * column windows (hardening, issue 7: memory follows chunkElements, not the
 * row width a file declares). Checked against an independent decode of the
 * packing rule (bitnet-reference.md §4a: logical row r is packed row r mod P,
 * bits 2·⌊r/P⌋, value = code − 1) and the BitLinear default W = Q / scale.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { writeSafetensors } from '../../../src/core/formats/safetensors/writer.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const P = 3;
const COLS = 50;
const SCALE = 4;

function packed(): Uint8Array {
  const b = new Uint8Array(P * COLS);
  // Only codes 0..2 in every 2-bit field (code 3 is invalid).
  for (let i = 0; i < b.length; i++) {
    let v = 0;
    for (let s = 0; s < 4; s++) v |= ((i * 7 + s * 5 + (i >> 3)) % 3) << (2 * s);
    b[i] = v;
  }
  return b;
}

function reference(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let r = 0; r < 4 * P; r++) {
    for (let c = 0; c < COLS; c++) out.push((((bytes[(r % P) * COLS + c]! >> (2 * Math.floor(r / P))) & 3) - 1) / SCALE);
  }
  return out;
}

async function decode(path: string, chunkElements: number): Promise<{ values: number[]; largest: number }> {
  const src = await openCheckpoint(path);
  try {
    const values: number[] = [];
    let largest = 0;
    for await (const c of src.values('model.layers.0.mlp.down_proj.weight', { chunkElements })) {
      largest = Math.max(largest, c.length);
      values.push(...c);
    }
    return { values, largest };
  } finally {
    await src.close();
  }
}

describe('HF BitNet packed rows wider than a chunk', () => {
  it('decodes in column windows to the same values as the reference', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hf-wide-'));
    dirs.push(dir);
    const bytes = packed();
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, [
      { name: 'model.layers.0.mlp.down_proj.weight', dtype: 'U8', shape: [P, COLS], data: bytes },
      { name: 'model.layers.0.mlp.down_proj.weight_scale', dtype: 'F32', shape: [1], data: new Float32Array([SCALE]) },
    ]);
    const want = reference(bytes);
    for (const chunk of [7, 50, 1 << 20]) {
      const got = await decode(path, chunk);
      expect(got.values).toEqual(want);
      expect(got.largest).toBeLessThanOrEqual(chunk);
    }
  });
});
