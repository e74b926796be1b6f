/**
 * String tensors are sized by walking their u32 length prefixes through a
 * 64 KiB window (hardening, issue 7). Lengths that straddle the window edge
 * and the shard edge must still give the right byte count, so the weight after
 * the strings is found at the right offset with the right values.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTfjsModel } from '../../../src/core/formats/tfjs/openTfjs.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('tfjs string tensors', () => {
  it('sizes 30,000 strings across window and shard edges and finds the weight after them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfjs-strings-'));
    dirs.push(dir);
    const parts: Buffer[] = [];
    let stringBytes = 0;
    for (let i = 0; i < 30_000; i++) {
      const s = Buffer.from('x'.repeat(i % 7), 'utf8'); // lengths 0..6: prefixes land at every alignment
      const len = Buffer.alloc(4);
      len.writeUInt32LE(s.length);
      parts.push(len, s);
      stringBytes += 4 + s.length;
    }
    const after = Buffer.from(new Float32Array([1.5, -2.25, 3]).buffer);
    const all = Buffer.concat([...parts, after]);
    const cut = 65_536 + 3; // the shard edge falls inside a length prefix
    await writeFile(join(dir, 'a.bin'), all.subarray(0, cut));
    await writeFile(join(dir, 'b.bin'), all.subarray(cut));
    await writeFile(
      join(dir, 'model.json'),
      JSON.stringify({
        format: 'graph-model',
        weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: [{ name: 'vocab', shape: [30_000], dtype: 'string' }, { name: 'w', shape: [3], dtype: 'float32' }] }],
      }),
    );
    const src = await openTfjsModel(join(dir, 'model.json'));
    try {
      expect(src.tensors[0]!.bytes).toBe(stringBytes);
      const values: number[] = [];
      for await (const c of src.values('w')) values.push(...c);
      expect(values).toEqual([1.5, -2.25, 3]);
    } finally {
      await src.close();
    }
  });
});
