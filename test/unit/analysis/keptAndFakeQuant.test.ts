/**
 * Two ways the report used to misdescribe a tensor:
 * - a tensor kept in high precision (embedding, norm, head, --exclude) showed
 *   γ, zeros and quantization error as if it had been quantized — in the
 *   table, the JSON report and the inspector's rows. It now carries only its
 *   value range (`distribution`), and `stats` is null.
 * - a fake-quantized weight (floats already exactly {−γ, 0, +γ}, as
 *   `quantize --format fake-quant` writes) was quantized a second time,
 *   reporting a γ that is not its γ and a large error. It is now read as
 *   already ternary: γ = its one magnitude, codes = its signs, error 0.
 * Expected figures are recomputed here from the file bytes, decoded by hand.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckpointReport, TensorReport } from '../../../src/core/analysis/report.js';
import { upgradeReport } from '../../../src/core/analysis/reportVersion.js';
import { SQNR_CAP_DB } from '../../../src/core/analysis/tensorStats.js';
import { toRow } from '../../../src/protocol/inspector.js';
import { cli, pseudoRandom, readSafetensorsByHand, tempDir, TINY_LLAMA, writeF32Safetensors } from '../cli/harness.js';

async function inspect(path: string, ...flags: string[]): Promise<CheckpointReport> {
  const r = await cli(['inspect', path, '--json', ...flags]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as CheckpointReport;
}

describe('tensors kept in high precision', () => {
  it('have no ternary statistics in the JSON report, the table or the inspector rows; their value range is kept apart', async () => {
    const report = await inspect(TINY_LLAMA, '--exclude', 'o_proj');
    expect(report.schemaVersion).toBe(2);
    const byHand = readSafetensorsByHand(TINY_LLAMA);
    const kept = report.tensors.filter((t) => !t.quantized);
    expect(kept.map((t) => t.reason)).toContain('excluded by --exclude');
    for (const t of kept) {
      expect(t.stats, t.name).toBeNull();
      const v = byHand.get(t.name)!.values;
      let min = Infinity, max = -Infinity, sum = 0;
      for (const x of v) {
        min = Math.min(min, x);
        max = Math.max(max, x);
        sum += x;
      }
      expect(t.distribution, t.name).toMatchObject({ min, max, nonFinite: 0 });
      expect(t.distribution!.mean).toBeCloseTo(sum / v.length, 12);
      expect(toRow(t).stats).toBeNull();
    }
    for (const t of report.tensors.filter((x) => x.quantized)) {
      expect(t.stats).not.toBeNull();
      expect(t.distribution).toBeUndefined();
    }

    const table = (await cli(['inspect', TINY_LLAMA, '--exclude', 'o_proj'])).stdout;
    for (const t of kept) {
      const line = table.split('\n').find((l) => l.startsWith(`${t.name} `))!;
      // name, dtype, shape, params, then straight to the note: no γ, zero share, ±1 split, error or SQNR.
      expect(line, line).toMatch(/^\S+\s+\S+\s+\[[^\]]*\]\s+\S+\s+kept: /);
      expect(line).not.toMatch(/%/);
    }
  });

  it('a version-1 report (kept tensors with stats) is upgraded; a newer one is refused clearly', async () => {
    const v2 = await inspect(TINY_LLAMA);
    const head = v2.tensors.find((t) => t.name === 'lm_head.weight')!;
    const fakeStats = { ...v2.tensors.find((t) => t.quantized)!.stats!, min: -1, max: 2, mean: 0.5, std: 0.25, nonFinite: 3 };
    const v1 = { ...v2, schemaVersion: 1, tensors: v2.tensors.map((t): TensorReport => (t === head ? { ...t, distribution: undefined, stats: fakeStats } : t)) };
    const up = upgradeReport(JSON.parse(JSON.stringify(v1)));
    expect(up.schemaVersion).toBe(2);
    const h = up.tensors.find((t) => t.name === 'lm_head.weight')!;
    expect(h.stats).toBeNull();
    expect(h.distribution).toEqual({ min: -1, max: 2, mean: 0.5, std: 0.25, nonFinite: 3 });
    expect(upgradeReport(v2)).toBe(v2);
    expect(() => upgradeReport({ ...v2, schemaVersion: 3 }, 'r.json')).toThrow(/^r\.json: report schema 3 is newer than this bitnet-lab reads \(2\)/);
    expect(() => upgradeReport({ nope: 1 })).toThrow(/not a BitNet Lab checkpoint report/);
  });
});

/** Magnitudes of the nonzero values, and the code counts, straight from the values. */
function ternaryOf(v: Float64Array): { magnitudes: Set<number>; zeros: number; plus: number; minus: number } {
  const magnitudes = new Set<number>();
  let zeros = 0, plus = 0, minus = 0;
  for (const x of v) {
    if (x === 0) zeros++;
    else {
      magnitudes.add(Math.abs(x));
      if (x > 0) plus++;
      else minus++;
    }
  }
  return { magnitudes, zeros, plus, minus };
}

describe('fake-quantized weights are recognised as already ternary', () => {
  for (const [fixture, method] of [
    ['tiny_llama.safetensors', 'absmean'],
    ['tiny_llama_f32.safetensors', 'absmean'],
    ['tiny_llama.safetensors', 'median'],
  ] as const) {
    it(`quantize --format fake-quant of ${fixture}, inspected with --method ${method}`, async () => {
      const out = join(tempDir(), 'fq.safetensors');
      const q = await cli(['quantize', join(__dirname, '../../fixtures/torch', fixture), '-o', out, '--format', 'fake-quant']);
      expect(q.code, q.stderr).toBe(0);
      const byHand = readSafetensorsByHand(out);
      const report = await inspect(out, '--method', method);
      const linear = report.tensors.filter((t) => t.quantized);
      expect(linear).toHaveLength(14);
      for (const t of linear) {
        const ref = ternaryOf(byHand.get(t.name)!.values);
        expect(ref.magnitudes.size, t.name).toBe(1); // the file really is ternary
        const s = t.stats!;
        expect(s.fakeQuantized, t.name).toBe(true);
        expect(s.storedTernary).toBe(true);
        expect(s.gamma).toBe([...ref.magnitudes][0]);
        expect({ zeros: s.zeros, plus: s.plus, minus: s.minus }).toEqual({ zeros: ref.zeros, plus: ref.plus, minus: ref.minus });
        expect(s.relRmse).toBe(0);
        expect(s.cosine).toBeCloseTo(1, 12);
        expect(s.sqnrDb).toBe(SQNR_CAP_DB);
        expect(t.notes?.join(' ')).toMatch(/already ternary/);
      }
      const table = (await cli(['inspect', out])).stdout;
      expect(table.match(/already ternary \(fake-quant\)/g)).toHaveLength(14);
    });
  }

  it('large BF16 (one-pass way) and F32 (two-pass way) ternary tensors; one value off by one ulp is not ternary', async () => {
    const dir = tempDir();
    const gamma = 0.01171875; // exact in BF16 and F32
    const n = 512 * 1024; // ≥ the one-pass threshold for BF16
    const codes = pseudoRandom(n, 9).map((x) => (x > 0.33 ? 1 : x < -0.33 ? -1 : 0));
    const values = codes.map((c) => c * gamma);
    const offByOne = Float32Array.from(values);
    const i = offByOne.findIndex((x) => x > 0);
    offByOne[i] = gamma + 2 ** -14; // the next BF16 value above γ (γ = 1.5·2^-7, BF16 keeps 8 significant bits)
    const path = writeF32Safetensors(join(dir, 'm.safetensors'), [
      { name: 'a.q_proj.weight', shape: [512, 1024], values, dtype: 'BF16' },
      { name: 'b.q_proj.weight', shape: [512, 1024], values, dtype: 'F32' },
      { name: 'c.q_proj.weight', shape: [512, 1024], values: offByOne, dtype: 'BF16' },
      { name: 'd.q_proj.weight', shape: [512, 1024], values: offByOne, dtype: 'F32' },
    ]);
    const report = await inspect(path);
    const ref = ternaryOf(Float64Array.from(values));
    for (const name of ['a.q_proj.weight', 'b.q_proj.weight']) {
      const s = report.tensors.find((t) => t.name === name)!.stats!;
      expect(s.fakeQuantized, name).toBe(true);
      expect(s.gamma).toBe(gamma);
      expect({ zeros: s.zeros, plus: s.plus, minus: s.minus }).toEqual({ zeros: ref.zeros, plus: ref.plus, minus: ref.minus });
      expect(s.relRmse).toBe(0);
    }
    for (const name of ['c.q_proj.weight', 'd.q_proj.weight']) {
      const s = report.tensors.find((t) => t.name === name)!.stats!;
      expect(s.fakeQuantized, name).toBeUndefined();
      expect(s.storedTernary).toBeUndefined();
      expect(s.relRmse).toBeGreaterThan(0.1); // quantized again by absmean, with its own (different) γ
    }
  });
});

describe('quantize keeps a fake-quantized weight as it is', () => {
  it('fake-quant of a fake-quant output is the same weights (γ not shrunk), on the decoded and the 16-bit pattern routes', async () => {
    const dir = tempDir();
    const gamma = 0.01171875;
    const codes = pseudoRandom(512 * 1024, 11).map((x) => (x > 0.33 ? 1 : x < -0.33 ? -1 : 0));
    const big = writeF32Safetensors(join(dir, 'big.safetensors'), [
      { name: 'a.q_proj.weight', shape: [512, 1024], values: codes.map((c) => c * gamma), dtype: 'BF16' },
    ]);
    for (const input of [TINY_LLAMA, join(__dirname, '../../fixtures/torch/tiny_llama_f32.safetensors'), big]) {
      const once = join(dir, `once-${input.length}.safetensors`);
      const twice = join(dir, `twice-${input.length}.safetensors`);
      expect((await cli(['quantize', input, '-o', once, '--format', 'fake-quant'])).code).toBe(0);
      expect((await cli(['quantize', once, '-o', twice, '--format', 'fake-quant'])).code).toBe(0);
      const a = readSafetensorsByHand(once);
      const b = readSafetensorsByHand(twice);
      for (const [name, t] of a) expect(Array.from(b.get(name)!.values), `${input}: ${name}`).toEqual(Array.from(t.values));
    }
  });
});
