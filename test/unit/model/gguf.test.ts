/**
 * GGUF models through the runtime: an F16 `llama` GGUF (Q/K rows permuted the
 * way llama.cpp's converter does) against PyTorch on the HF folder it came
 * from, and a TQ2_0 `bitnet-b1.58` GGUF in stored mode against the HF folder
 * in ternary mode (itself checked against PyTorch in torchAgreement.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { loadCausalLm } from '../../../src/core/model/load.js';
import { hfModel, torchAvailable, torchReference } from '../../peers/torchModels.js';
import { ggufFromHf } from './ggufFromHf.js';

const VOCAB = 32000;
const TOKENS = [1, 450, 4996, 17354, 1701, 432, 17204, 975, 278, 17366, 11203, 29889, 13, 1576];

function maxPerPosition(a: Float32Array, b: Float32Array): number[] {
  return Array.from({ length: a.length / VOCAB }, (_, t) => {
    let m = 0;
    for (let i = t * VOCAB; i < (t + 1) * VOCAB; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
    return m;
  });
}

describe.runIf(torchAvailable())('GGUF models', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gguf-models-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs an F16 llama GGUF (permuted Q/K, interleaved RoPE) like PyTorch runs the HF folder', async () => {
    const hf = await hfModel('llama');
    const path = await ggufFromHf(hf, join(dir, 'llama-f16.gguf'), 'f16-llama');
    const lm = await loadCausalLm(path, { mode: 'fp' });
    expect(lm.config.architecture).toBe('gguf:llama');
    expect(lm.config.ropeStyle).toBe('interleaved');
    expect(lm.config.tiedHead).toBe(false);
    const ref = await torchReference(hf, 'fp', { logits: TOKENS });
    // BF16 → F16 is exact for normal values; only the few weights below 2^-14 lose bits.
    expect(Math.max(...maxPerPosition(lm.logits(TOKENS), ref.logits!))).toBeLessThan(1e-3);
    // Resident weights stay 16-bit: about the file's size, not twice it.
    expect(lm.residentBytes).toBeLessThan(1.05 * 2 * (2 * VOCAB * 256 + 2 * (256 * 256 * 2 + 128 * 256 * 2 + 3 * 512 * 256)));
  });

  it.each([
    ['tq2_0-bitnet', 'TQ2_0'],
    ['tq1_0-bitnet', 'TQ1_0'],
    ['i2_s-bitnet', 'I2_S'],
  ] as const)('runs a %s bitnet-b1.58 GGUF in stored mode like PyTorch runs the packed HF folder', async (kind, dtype) => {
    const hf = await hfModel('bitnet-2b4t-packed-autobitlinear');
    const path = await ggufFromHf(hf, join(dir, `bitnet-${kind}.gguf`), kind);
    const stored = await loadCausalLm(path, { mode: 'ternary' });
    expect(stored.mode).toBe('stored');
    expect(stored.config.activation).toBe('relu2');
    expect(stored.config.tiedHead).toBe(true);
    expect(stored.compute).toMatch(/stored ternary weights/);
    const ref = await torchReference(hf, 'stored', { logits: TOKENS });
    // Same codes and γ (the packed folder's BF16 γ is exact in fp16 and float32); the F16
    // embedding holds the BF16 values exactly. What is left is float32 vs float64 and
    // its rare int8 rounding flips (see torchAgreement.test.ts).
    const errors = maxPerPosition(stored.logits(TOKENS), ref.logits!);
    expect(Math.max(...errors.slice(0, 4))).toBeLessThan(1e-4);
    expect(errors.filter((e) => e < 1e-4).length).toBeGreaterThanOrEqual(0.9 * errors.length);
    // Memory: packed 2-bit linears, not float copies.
    const linearParams = 2 * (256 * 256 * 2 + 128 * 256 * 2 + 3 * 512 * 256);
    expect(stored.residentBytes).toBeLessThan(VOCAB * 256 * 2 + linearParams / 2);
    // fp on the same file: dequantized codes·γ with float activations, PyTorch's fp on the folder.
    const fp = await loadCausalLm(path, { mode: 'fp' });
    const fpRef = await torchReference(hf, 'fp', { logits: TOKENS });
    expect(Math.max(...maxPerPosition(fp.logits(TOKENS), fpRef.logits!))).toBeLessThan(1e-4);
    expect(fp.residentBytes).toBeLessThan(VOCAB * 256 * 2 + linearParams / 2);
    const file = await openCheckpoint(path);
    expect(file.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!.dtype).toBe(dtype);
    await file.close();
  });
});
