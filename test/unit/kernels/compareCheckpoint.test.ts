import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compareCheckpoint, type ComparisonReport } from '../../../src/core/analysis/compare.js';
import { estimateEnergy } from '../../../src/core/analysis/energy.js';
import { openCheckpoint } from '../../../src/core/formats/open.js';

const fixture = join(__dirname, '../../fixtures/torch/tiny_llama_f32.safetensors');
let report: ComparisonReport;

beforeAll(async () => {
  const source = await openCheckpoint(fixture);
  try {
    report = await compareCheckpoint(source, { repeats: 1, warmup: 0, maxQualityLayers: 50, energyTokens: 10, measureMemory: false });
  } finally {
    await source.close();
  }
});

describe('compareCheckpoint on the tiny Llama fixture (2 layers, hidden 64, MLP 128)', () => {
  it('finds the 14 linear layers and leaves embeddings, norms and the head out', () => {
    expect(report.linearLayers).toBe(14);
    expect(report.linearParams).toBe(2 * (4 * 64 * 64 + 3 * 64 * 128));
    expect(report.quality.layers.map((l) => l.name).some((n) => /embed|norm|lm_head/.test(n))).toBe(false);
  });

  it('times each of the three distinct shapes at batch 1 and N, and sums a forward pass', () => {
    expect(report.speed.shapes.map((s) => `${s.out}x${s.in}:${s.layers}`).sort()).toEqual(['128x64:4', '64x128:2', '64x64:8']);
    expect(report.speed.skippedShapes).toEqual([]);
    const fp = report.speed.forwardPass!;
    const sum = report.speed.shapes.reduce((a, s) => a + s.layers * s.gemv.floatMs, 0);
    expect(fp.gemv.floatMs).toBeCloseTo(sum, 9);
    expect(fp.coveredLayers).toBe(14);
  });

  it('measures every layer\'s output error (absmean ternary × int8 activations is close but not exact)', () => {
    expect(report.quality.layers).toHaveLength(14);
    for (const l of report.quality.layers) {
      expect(l.relError).toBeGreaterThan(0);
      expect(l.relError).toBeLessThan(1);
      expect(l.cosine).toBeGreaterThan(0.5);
      expect(l.cosine).toBeLessThanOrEqual(1);
    }
  });

  it('applies the energy model to exactly these layers and their measured zero shares', () => {
    const again = estimateEnergy(
      report.energy.layers.map(({ name, out, in: inF, zeroFraction }) => ({ name, out, in: inF, zeroFraction })),
      { node: '7nm', tokens: 10 },
    );
    expect(report.energy.totals).toEqual(again.totals);
    expect(report.energy.layers).toHaveLength(14);
  });

  it('carries memory, working set and provenance, and survives JSON', () => {
    expect(report.memory.byFormat.f32).toBeGreaterThan(report.memory.byFormat.i2_s);
    expect(report.memory.workingSet.fp32Bytes).toBe(4 * report.linearParams);
    // 2 bits per weight in 64-input blocks of 16 bytes: a 64-input row is one block, a 128-input row two
    // (every row count here is a multiple of the kernel's group of four, so no row padding).
    expect(report.memory.workingSet.ternaryPackedBytes).toBe(2 * (4 * 64 * 16 + 2 * 128 * 16 + 64 * 32) + 14 * 8);
    expect(report.memory.resident).toBeNull();
    expect(report.memory.residentUnavailable).toBe('not requested');
    expect(report.provenance.backend).toBe(report.speed.backend);
    expect(report.provenance.machine.length).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
