/** `bitnet-lab train` and `bitnet-lab finetune` through their CliCommand interface. */
import { headerReport } from '../../../src/core/analysis/analyze.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from '../../../src/cli/commands/train.js';
import { finetune } from '../../../src/cli/commands/finetune.js';
import type { CliIo } from '../../../src/cli/command.js';
import { writeSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { isBitnetLabError } from '../../../src/core/errors.js';
import { Prng } from '../../../src/core/random.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { quantizeWeights } from '../../../src/core/quant/quantize.js';

async function readAll(it: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const c of it) parts.push(Float32Array.from(c));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), 'bitnet-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function io(): CliIo & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => out.push(t), stderr: () => {}, interactive: false, signal: new AbortController().signal };
}

describe('bitnet-lab train --json', () => {
  it('prints {config, backend, runs: {bitnet, fp}} and saves both checkpoints', async () => {
    const o = io();
    const dir = join(tmp, 'run');
    const code = await train.run(['--model', 'mlp', '--data', 'mnist', '--steps', '20', '--eval-every', '10', '--batch', '32', '--out', dir, '--json'], o);
    expect(code).toBe(0);
    const r = JSON.parse(o.out.join(''));
    expect(Object.keys(r).sort()).toEqual(['backend', 'config', 'runs']);
    for (const run of ['bitnet', 'fp']) {
      const s = r.runs[run];
      expect(s.steps).toBe(20);
      expect(s.metricName).toBe('accuracy');
      expect(Number.isFinite(s.finalValLoss)).toBe(true);
      expect(existsSync(s.checkpoint)).toBe(true);
    }
    expect(r.config.steps).toBe(20);
    expect(existsSync(join(dir, 'metrics.jsonl'))).toBe(true);

    // The packed 2-bit export decodes (through the formats layer) to Q·γ of the latent weights.
    const latent = await openSafetensors(r.runs.bitnet.checkpoint);
    const packed = await openCheckpoint(r.runs.bitnet.ternaryCheckpoint);
    try {
      const name = 'layers.1.weight';
      const w = await readAll(latent.values(name));
      const q = quantizeWeights(w, 'absmean');
      const entry = packed.tensors.find((t) => t.name === name)!;
      expect(entry.dtype).toBe('U8');
      expect(entry.shape).toEqual([256, 256]);
      const decoded = await readAll(packed.values(name));
      for (let i = 0; i < decoded.length; i++) expect(decoded[i]).toBe(Math.fround(q.codes[i]! * Math.fround(q.scale)));
      // The MLP head is full precision by architecture: both files say so, and inspect keeps it.
      const keptLatent = headerReport(latent).tensors.find((t) => t.name === 'layers.2.weight')!;
      const keptPacked = headerReport(packed).tensors.find((t) => t.name === 'layers.2.weight')!;
      expect(keptLatent.quantized).toBe(false);
      expect(keptPacked.quantized).toBe(false);
      expect(keptLatent.reason).toMatch(/declared by the checkpoint/);
      expect(headerReport(latent).tensors.find((t) => t.name === 'layers.1.weight')!.quantized).toBe(true);
    } finally {
      await latent.close();
      await packed.close();
    }

    // QAT of the FP twin: quality before (FP and PTQ) and after.
    const f = io();
    expect(await finetune.run([r.runs.fp.checkpoint, '--data', 'mnist', '--steps', '10', '--batch', '32', '--out', join(tmp, 'ft'), '--json'], f)).toBe(0);
    const ft = JSON.parse(f.out.join(''));
    expect(ft.family).toBe('mlp');
    expect(ft.before.fp.valMetric).toBeGreaterThan(0);
    expect(ft.before.ptq.valLoss).not.toBe(ft.before.fp.valLoss);
    expect(ft.after.steps).toBe(10);
    expect(existsSync(ft.after.checkpoint)).toBe(true);
  });

  it('rejects bad flags with a usage error', async () => {
    for (const argv of [['--model', 'cnn'], ['--model', 'lm'], ['--model', 'mlp', '--method', 'ternary'], ['--model', 'mlp', '--steps', '-3']]) {
      await expect(train.run(argv, io())).rejects.toSatisfy((e: unknown) => isBitnetLabError(e) && e.code === 'usage');
    }
  });
});

describe('bitnet-lab finetune of a foreign safetensors', () => {
  it('accepts PyTorch-layout MLP weights without norm gains', async () => {
    const p = new Prng(3);
    const mk = (out: number, inp: number) => Float32Array.from({ length: out * inp }, () => p.normal() / Math.sqrt(inp));
    const file = join(tmp, 'torch_mlp.safetensors');
    await writeSafetensors(file, [
      { name: 'layers.0.weight', dtype: 'F32', shape: [32, 784], data: mk(32, 784) },
      { name: 'layers.1.weight', dtype: 'F32', shape: [10, 32], data: mk(10, 32) },
    ]);
    const o = io();
    expect(await finetune.run([file, '--data', 'mnist', '--steps', '5', '--batch', '16', '--out', join(tmp, 'ft2'), '--json'], o)).toBe(0);
    const r = JSON.parse(o.out.join(''));
    expect(r.config.mlp.sizes).toEqual([784, 32, 10]);
  });

  it('names the file when tensor names match no family', async () => {
    const file = join(tmp, 'other.safetensors');
    await writeSafetensors(file, [{ name: 'conv.weight', dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }]);
    await expect(finetune.run([file, '--data', 'mnist', '--steps', '1'], io())).rejects.toSatisfy(
      (e: unknown) => isBitnetLabError(e) && e.code === 'unsupported' && e.place.file === file,
    );
  });
});
