import { describe, expect, it } from 'vitest';
import { memoryModel, quantizedWeightBytes } from '../../../src/core/analysis/memory.js';

describe('memory model', () => {
  it('one 2560×2560 weight in every format', () => {
    const n = 2560 * 2560;
    expect(quantizedWeightBytes([2560, 2560], n)).toEqual({
      f32: 4 * n,
      f16: 2 * n,
      int8: n + 4,
      hfBitnet: 640 * 2560 + 2,
      tq2_0: (n / 256) * 66,
      tq1_0: (n / 256) * 54,
      i2_s: n / 4 + 32,
      ideal: (n * Math.log2(3)) / 8,
    });
  });

  it('packed ternary bits per weight: TQ2_0 2.0625, TQ1_0 1.6875', () => {
    const q = quantizedWeightBytes([256, 1024], 256 * 1024);
    expect((q.tq2_0 * 8) / (256 * 1024)).toBe(2.0625);
    expect((q.tq1_0 * 8) / (256 * 1024)).toBe(1.6875);
  });

  it('BitNet b1.58 2B-4T linear weights pack to 521,011,200 B plus 210 BF16 scales (bitnet-reference.md §5)', () => {
    const shapes = [[2560, 2560], [640, 2560], [640, 2560], [2560, 2560], [6912, 2560], [6912, 2560], [2560, 6912]];
    const tensors = [];
    for (let l = 0; l < 30; l++) for (const s of shapes) tensors.push({ shape: s, params: s[0]! * s[1]!, bytes: s[0]! * s[1]! * 2, quantized: true });
    expect(memoryModel(tensors).hfBitnet).toBe(521_011_200 + 420);
  });

  it('non-quantized tensors count as stored; scale tensors only in asStored', () => {
    const m = memoryModel([
      { shape: [100, 256], params: 25600, bytes: 51200, quantized: true },
      { shape: [1000, 256], params: 256000, bytes: 512000, quantized: false },
      { shape: [1], params: 1, bytes: 2, quantized: false, isScale: true },
    ]);
    expect(m.asStored).toBe(51200 + 512000 + 2);
    expect(m.f32).toBe(25600 * 4 + 512000);
    expect(m.hfBitnet).toBe(25 * 256 + 2 + 512000);
    expect(m.i2_s).toBe(6400 + 32 + 512000);
    expect(m.tq2_0).toBe(100 * 66 + 512000);
  });
});

describe('memory model: weights the ternary types cannot hold', () => {
  it('counts what the GGUF exporter writes instead: Q8_0 when rows split into 32s, else F16', () => {
    const q = quantizedWeightBytes([8, 96], 768);
    expect(q.tq2_0).toBe((768 / 32) * 34);
    expect(q.tq1_0).toBe((768 / 32) * 34);
    expect(q.i2_s).toBe((768 / 32) * 34);
    expect(quantizedWeightBytes([8, 100], 800).tq2_0).toBe(800 * 2);
    expect(quantizedWeightBytes([8, 384], 3072).i2_s).toBe(3072 / 4 + 32);
  });
});
