/**
 * GGUF → GGUF keeps every metadata entry of the input, with its type and in
 * its order — hyper-parameters, tokenizer arrays, anything a runtime or a
 * user put there — except what describes the new file's encoding
 * (general.file_type, general.quantization_version) and our provenance
 * (bitnet_lab.*), which the output states anew.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quantizeCheckpoint } from '../../../src/core/convert/quantize.js';
import type { GgufEntry } from '../../../src/core/formats/gguf/ggufValue.js';
import { GgufWriter } from '../../../src/core/formats/gguf/ggufWriter.js';
import { openGguf } from '../../../src/core/formats/gguf/openGguf.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/reader.js';
import { byteVocabEntries } from '../../../src/core/model/tokenizer/toGguf.js';
import { tempDir, tinyDecoder, writeFixture } from './helpers.js';

/** One entry of every GGUF value type, scalars and arrays (ggml docs/gguf.md). */
const EVERY_TYPE: GgufEntry[] = [
  { key: 'test.u8', type: 'u8', value: 255 },
  { key: 'test.i8', type: 'i8', value: -128 },
  { key: 'test.u16', type: 'u16', value: 65535 },
  { key: 'test.i16', type: 'i16', value: -32768 },
  { key: 'test.u32', type: 'u32', value: 4294967295 },
  { key: 'test.i32', type: 'i32', value: -2147483648 },
  { key: 'test.f32', type: 'f32', value: Math.fround(0.1) },
  { key: 'test.f64', type: 'f64', value: 0.1 },
  { key: 'test.u64', type: 'u64', value: 2n ** 64n - 1n },
  { key: 'test.i64', type: 'i64', value: -(2n ** 63n) },
  { key: 'test.bool', type: 'bool', value: true },
  { key: 'test.string', type: 'string', value: 'ünïcode ▁ text' },
  { key: 'test.array.bool', type: 'array', itemType: 'bool', value: [true, false, true] },
  { key: 'test.array.i64', type: 'array', itemType: 'i64', value: [-1n, 2n ** 40n] },
  { key: 'test.array.f64', type: 'array', itemType: 'f64', value: [1.5, -2.25] },
  { key: 'test.array.u8', type: 'array', itemType: 'u8', value: [] },
];

describe('GGUF → GGUF', () => {
  it('keeps every input entry, typed and in order, but the file type, quantization version and our provenance', async () => {
    const dir = tempDir('gguf-to-gguf');
    const { tensors, config } = tinyDecoder('llama');
    await writeFixture(join(dir, 'model.safetensors'), tensors);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const src = await openSafetensors(join(dir, 'model.safetensors'));
    const f16 = join(dir, 'f16.gguf');
    await quantizeCheckpoint(src, { out: f16, format: 'gguf-f16' });
    await src.close();

    // The F16 export again, with a tokenizer and one entry of every type added (tensors copied byte for byte).
    const g = await openGguf(f16);
    const input = join(dir, 'input.gguf');
    const entries = [...g.ggufEntries!, ...byteVocabEntries(), ...EVERY_TYPE];
    const w = await GgufWriter.create(input, entries, g.tensors.map((t) => ({ name: t.name, dims: [...t.storedShape!], typeId: t.dtype === 'F16' ? 1 : 0, bytes: t.bytes })));
    for (const t of g.tensors) {
      for await (const b of g.rawBytes!(t.name)) await w.write(b);
      await w.endTensor();
    }
    await w.commit();
    await g.close();

    const inSrc = await openGguf(input);
    const out = join(dir, 'tq2_0.gguf');
    const s = await quantizeCheckpoint(inSrc, { out, format: 'gguf-tq2_0' });
    await inSrc.close();
    expect(s.quantizedTensors).toBe(14);
    expect(s.runtimes).toMatch(/^llama\.cpp/);

    const o = await openGguf(out);
    const rewritten = (e: GgufEntry): boolean => e.key === 'general.file_type' || e.key === 'general.quantization_version' || e.key.startsWith('bitnet_lab.');
    expect(o.ggufEntries!.filter((e) => !rewritten(e))).toEqual(entries.filter((e) => !rewritten(e)));
    const byKey = new Map(o.ggufEntries!.map((e) => [e.key, e]));
    expect(byKey.get('general.file_type')).toEqual({ key: 'general.file_type', type: 'u32', value: 37 });
    expect(byKey.get('general.quantization_version')).toEqual({ key: 'general.quantization_version', type: 'u32', value: 2 });
    expect(byKey.get('bitnet_lab.source')).toEqual({ key: 'bitnet_lab.source', type: 'string', value: 'input.gguf' });
    expect(byKey.get('bitnet_lab.format')).toEqual({ key: 'bitnet_lab.format', type: 'string', value: 'gguf-tq2_0' });
    expect(o.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!.dtype).toBe('TQ2_0');
    await o.close();
  });
});
