import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { CliIo } from '../../../src/cli/command.js';
import { bench } from '../../../src/cli/commands/bench.js';
import { compare } from '../../../src/cli/commands/compare.js';
import { energy } from '../../../src/cli/commands/energy.js';
import { BitnetLabError } from '../../../src/core/errors.js';

const fixture = join(__dirname, '../../fixtures/torch/tiny_llama_f32.safetensors');

function io(): CliIo & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => out.push(t), stderr: () => {}, interactive: false, signal: new AbortController().signal };
}

describe('bench / compare / energy commands', () => {
  it('turn bad arguments into usage errors', async () => {
    await expect(bench.run([], io())).rejects.toThrow(BitnetLabError);
    await expect(bench.run(['kernels', '--shapes', '4096x'], io())).rejects.toThrow(/OUTxINxBATCH/);
    await expect(energy.run([fixture, '--node', '3nm'], io())).rejects.toThrow(/7nm, 45nm/);
    await expect(compare.run([], io())).rejects.toThrow(/exactly one checkpoint/);
    await expect(compare.run([fixture, '--batch', '0'], io())).rejects.toThrow(/--batch/);
  });

  it('energy --json prints the model with its table, formulas and per-layer figures', async () => {
    const o = io();
    expect(await energy.run([fixture, '--node', '45nm', '--tokens', '512', '--json'], o)).toBe(0);
    const r = JSON.parse(o.out.join(''));
    expect(r.node).toBe('45nm');
    expect(r.tokens).toBe(512);
    expect(r.table.fp16).toEqual({ add: 0.4, mul: 1.1 });
    expect(r.layers).toHaveLength(14);
    expect(r.headline.ratio).toBeCloseTo(50, 10);
    const fp16 = r.totals.find((t: { format: string }) => t.format === 'fp16');
    expect(fp16.joules).toBeCloseTo(fp16.pjPerToken * 512 * 1e-12, 20);
  });

  it('energy prints a readable table by default', async () => {
    const o = io();
    expect(await energy.run([fixture], o)).toBe(0);
    const text = o.out.join('');
    expect(text).toContain('not a measurement');
    expect(text).toContain('71.43×');
    expect(text).toMatch(/ternary b1\.58/);
  });
});
