/**
 * Weights in their stored form: rows decode to the exact float32 values, and
 * stored ternary tensors give their codes and one γ — or a clear refusal when
 * their blocks carry different scales (a TQ file quantized from float weights).
 */
import { describe, expect, it } from 'vitest';
import { encodeFromFloat32 } from '../../../src/core/formats/dtypes.js';
import type { CheckpointSource, TensorEntry } from '../../../src/core/formats/types.js';
import { decodeRow, loadMatrix, loadTernaryCodes, packCodes, unpackCodes } from '../../../src/core/model/weights.js';

function fakeSource(entry: TensorEntry, values: Float32Array): CheckpointSource {
  return {
    path: '/models/x.gguf',
    format: 'gguf',
    tensors: [entry],
    metadata: {},
    async *values() {
      yield values;
    },
    async *rawBytes() {
      yield new Uint8Array(0);
    },
    async close() {},
  };
}

const entry = (n: number): TensorEntry => ({ name: 'blk.0.attn_q.weight', dtype: 'TQ2_0', shape: [1, n], storedShape: [n, 1], params: n, bytes: 0, file: '/models/x.gguf', offset: 0, ternary: { packing: 'tq2_0' } });

describe('stored weights', () => {
  it('decodes BF16 and F16 rows exactly', () => {
    const v = Float32Array.from([1.5, -0.0078125, 3.140625, 65504, -2]);
    const bf16 = { kind: 'bf16' as const, rows: 1, cols: 5, data: new Uint16Array(encodeFromFloat32('BF16', v).buffer) };
    const f16 = { kind: 'f16' as const, rows: 1, cols: 5, data: new Uint16Array(encodeFromFloat32('F16', v).buffer) };
    const out = new Float32Array(5);
    decodeRow(bf16, 0, out);
    expect([...out]).toEqual([1.5, -0.0078125, 3.140625, 65536, -2]); // 65504 rounds to 65536 in bf16
    decodeRow(f16, 0, out);
    expect([...out]).toEqual([1.5, -0.0078125, 3.140625, 65504, -2]);
  });

  it('keeps ternary codes in 2 bits and decodes them as code·γ', () => {
    const codes = Int8Array.from([1, 0, -1, -1, 1, 0, 0, 1, -1, 1, 0]);
    const m = { kind: 'codes' as const, rows: 1, cols: 11, data: packCodes(codes, 1, 11), scale: 0.25 };
    expect(m.data.byteLength).toBe(3);
    expect([...unpackCodes(m)]).toEqual([...codes]);
    const out = new Float32Array(11);
    decodeRow(m, 0, out);
    expect([...out]).toEqual([...codes].map((c) => c * 0.25));
  });

  it('reads codes and the one γ of a stored tensor; all-zero blocks (d = 0) are fine', async () => {
    const v = Float32Array.from([0.5, 0, -0.5, 0, 0, 0.5]);
    expect(await loadTernaryCodes(fakeSource(entry(6), v), entry(6))).toEqual({ codes: Int8Array.from([1, 0, -1, 0, 0, 1]), gamma: 0.5 });
  });

  it('refuses blocks with different scales, naming file, tensor and what to do', async () => {
    const v = Float32Array.from([0.5, -0.5, 0.25]);
    await expect(loadTernaryCodes(fakeSource(entry(3), v), entry(3))).rejects.toThrow(
      /\/models\/x\.gguf, tensor "blk\.0\.attn_q\.weight": ternary weights with more than one scale \(0\.5 and 0\.25\).*--mode fp/,
    );
    // …and fp mode then holds their float values.
    const m = await loadMatrix(fakeSource(entry(3), v), entry(3));
    expect(m.kind).toBe('f32');
    expect([...(m.data as Float32Array)]).toEqual([0.5, -0.5, 0.25]);
  });
});
