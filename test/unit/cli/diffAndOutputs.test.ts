/**
 * `diff` of checkpoints that share no tensor fails with a message saying why
 * (instead of a 0 % "no flips" result), and `quantize` refuses an output name
 * whose extension contradicts --format before writing anything, while
 * creating output folders that do not exist yet.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, pseudoRandom, tempDir, TINY_LLAMA, writeF32Safetensors } from './harness.js';

describe('diff with nothing in common', () => {
  const dir = tempDir();
  const other = writeF32Safetensors(join(dir, 'other.safetensors'), [
    { name: 'encoder.block.0.dense.weight', shape: [8, 8], values: pseudoRandom(64, 3) },
  ]);
  const sameNamesOtherShapes = writeF32Safetensors(join(dir, 'reshaped.safetensors'), [
    { name: 'model.layers.0.mlp.down_proj.weight', shape: [8, 8], values: pseudoRandom(64, 4) },
  ]);
  const onlyKept = writeF32Safetensors(join(dir, 'norms.safetensors'), [
    { name: 'model.norm.weight', shape: [64], values: pseudoRandom(64, 5) },
  ]);

  for (const [what, b, message] of [
    ['no name in common', other, /no tensor in common: no name matches/],
    ['shared names, every shape different', sameNamesOtherShapes, /no tensor in common: the 1 names they share all differ in shape/],
    ['only kept tensors in common', onlyKept, /no quantizable tensor in common/],
  ] as const) {
    it(`${what}: non-zero exit, one clear error line, nothing on stdout`, async () => {
      const r = await cli(['diff', TINY_LLAMA, b]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(message);
      const j = await cli(['diff', TINY_LLAMA, b, '--json']);
      expect(j.code).toBe(r.code);
      expect(j.stdout).toBe('');
    });
  }

  it('a checkpoint against itself still compares every linear weight, with 0 flips', async () => {
    const r = await cli(['diff', TINY_LLAMA, TINY_LLAMA, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as { totals: { tensors: number; flips: number } };
    expect(d.totals.tensors).toBe(14);
    expect(d.totals.flips).toBe(0);
  });
});

describe('quantize output names and folders', () => {
  const contradictions: Array<[string, string]> = [
    ['gguf-tq2_0', 'model.safetensors'],
    ['gguf-tq1_0', 'model.bin'],
    ['gguf-i2_s', 'out'],
    ['gguf-f16', 'model.safetensors'],
    ['fake-quant', 'model.gguf'],
    ['fake-quant', 'folder'],
    ['hf-bitnet', 'model.gguf'],
    ['hf-bitnet', 'model.pt'],
  ];
  for (const [format, name] of contradictions) {
    it(`--format ${format} -o ${name}: usage error (exit 2) naming both, nothing written`, async () => {
      const dir = tempDir();
      const out = join(dir, 'new', name);
      const r = await cli(['quantize', TINY_LLAMA, '-o', out, '--format', format]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`--format ${format} writes`);
      expect(r.stderr).toContain(name);
      expect(readdirSync(dir)).toEqual([]); // not even the missing folder
    });
  }

  for (const [format, name, file] of [
    ['gguf-tq2_0', 'a/b/model.gguf', 'a/b/model.gguf'],
    ['fake-quant', 'a/b/model.safetensors', 'a/b/model.safetensors'],
    ['hf-bitnet', 'a/b/hf-model', 'a/b/hf-model/model.safetensors'],
  ] as const) {
    it(`--format ${format} creates the missing folders of ${name}`, async () => {
      const dir = tempDir();
      const r = await cli(['quantize', TINY_LLAMA, '-o', join(dir, name), '--format', format]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(statSync(join(dir, file)).size).toBeGreaterThan(0);
    });
  }

  it('a cancelled quantize leaves neither the file nor the folders it created', async () => {
    const dir = tempDir();
    const ac = new AbortController();
    ac.abort();
    const r = await cli(['quantize', TINY_LLAMA, '-o', join(dir, 'x/y/model.gguf'), '--format', 'gguf-tq2_0'], ac.signal);
    expect(r.code).toBe(130);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});
