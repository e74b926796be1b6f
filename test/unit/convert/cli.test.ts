import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diff } from '../../../src/cli/commands/diff.js';
import { quantize } from '../../../src/cli/commands/quantize.js';
import type { CliIo } from '../../../src/cli/command.js';
import { tempDir, tinyDecoder, tinyLlama, writeFixture } from './helpers.js';

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), interactive: false, signal: new AbortController().signal };
}

describe('bitnet-lab quantize / diff', () => {
  it('quantize --json writes the file and a summary; diff of input vs output reports 0 flips', async () => {
    const dir = tempDir('cli');
    const input = join(dir, 'm.safetensors');
    await writeFixture(input, tinyLlama('F16'));
    const a = io();
    const out = join(dir, 'm.gguf');
    expect(await quantize.run([input, '-o', out, '--format', 'gguf-tq1_0', '--json'], a)).toBe(0);
    const summary = JSON.parse(a.out.join(''));
    expect(summary).toMatchObject({ format: 'gguf-tq1_0', method: 'absmean', quantizedTensors: 12, tensorsWritten: 17 });
    expect(summary.bytesOut).toBeLessThan(summary.bytesIn);
    expect(existsSync(out)).toBe(true);
    const b = io();
    expect(await diff.run([input, out, '--json'], b)).toBe(0);
    const d = JSON.parse(b.out.join(''));
    expect(d.totals.tensors).toBe(12);
    expect(d.totals.flips).toBe(0);
    const c = io();
    expect(await diff.run([input, out], c)).toBe(0);
    expect(c.out.join('')).toMatch(/0\.00 % of ternary codes differ/);
  });

  it('gguf-f16 of a Llama folder says which architecture it wrote and where it runs', async () => {
    const dir = tempDir('cli-f16');
    const { tensors, config } = tinyDecoder('llama');
    await writeFixture(join(dir, 'model.safetensors'), tensors);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const a = io();
    expect(await quantize.run([join(dir, 'model.safetensors'), '-o', join(dir, 'out', 'm.gguf'), '--format', 'gguf-f16'], a)).toBe(0);
    // No tokenizer beside it: llama.cpp would refuse the file ("key not found in model: tokenizer.ggml.model"), and the summary says so.
    expect(a.out.join('')).toMatch(/architecture llama; runs in: none until it has a tokenizer \(no tokenizer found: .*\); with one: llama\.cpp/);
    expect(a.out.join('')).toMatch(/format gguf-f16: the unquantized baseline, 21 tensors/);
  });

  it('refuses bad usage with BitnetLabError("usage")', async () => {
    await expect(quantize.run(['x.safetensors', '-o', 'y.gguf', '--format', 'gguf-tq2_0', '--fallback', 'q4_0'], io())).rejects.toMatchObject({ code: 'usage' });
    await expect(quantize.run(['x.safetensors', '-o', 'y', '--format', 'hf-bitnet', '--fallback', 'f16'], io())).rejects.toMatchObject({ code: 'usage' });
    await expect(quantize.run(['x.safetensors', '--format', 'gguf-tq2_0'], io())).rejects.toMatchObject({ code: 'usage' });
    await expect(quantize.run(['x.safetensors', '-o', 'y', '--format', 'q4'], io())).rejects.toMatchObject({ code: 'usage' });
    await expect(diff.run(['only-one'], io())).rejects.toMatchObject({ code: 'usage' });
  });
});
