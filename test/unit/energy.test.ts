import { describe, expect, it } from 'vitest';
import { ENERGY_TABLES, estimateEnergy, headlineRatio } from '../../src/core/analysis/energy.js';

describe('energy tables (BitNet 2310.11453 Table 2, bitnet-reference.md §3)', () => {
  it('hold the published per-operation energies', () => {
    expect(ENERGY_TABLES['7nm']).toMatchObject({ fp32: { add: 0.38, mul: 1.31 }, fp16: { add: 0.16, mul: 0.34 }, int8: { add: 0.007, mul: 0.07 } });
    expect(ENERGY_TABLES['45nm']).toMatchObject({ fp32: { add: 0.9, mul: 3.7 }, fp16: { add: 0.4, mul: 1.1 }, int8: { add: 0.03, mul: 0.2 } });
    expect(ENERGY_TABLES['45nm'].source).toMatch(/Hor14/);
    expect(ENERGY_TABLES['7nm'].source).toMatch(/ZZL22/);
  });
});

describe('headline', () => {
  it('reproduces 71.4× at 7 nm: (0.16 + 0.34) / 0.007', () => {
    expect(headlineRatio('7nm')).toBeCloseTo(71.4286, 4);
    expect(headlineRatio('45nm')).toBeCloseTo(50, 10);
  });
  it('is what a large dense layer approaches: FP16 energy / ternary additions', () => {
    const r = estimateEnergy([{ name: 'w', out: 4096, in: 4096, zeroFraction: 0 }], { node: '7nm' });
    const fp16 = r.totals.find((t) => t.format === 'fp16')!.pjPerToken;
    // (4095·0.16 + 4096·0.34) / (4095·0.007) = 71.4407…
    expect(fp16 / r.ternaryAddsOnlyPj).toBeCloseTo((4095 * 0.16 + 4096 * 0.34) / (4095 * 0.007), 9);
    expect(fp16 / r.ternaryAddsOnlyPj).toBeCloseTo(71.43, 1);
  });
});

describe('per-layer accounting against hand-computed values', () => {
  // W [out = 2, in = 3], half the ternary weights zero, 7 nm, 10 tokens.
  const r = estimateEnergy([{ name: 'w', out: 2, in: 3, zeroFraction: 0.5 }], { node: '7nm', tokens: 10 });
  const by = (f: string) => r.totals.find((t) => t.format === f)!;
  it('FP32: 4 adds · 0.38 + 6 muls · 1.31 = 9.38 pJ', () => {
    expect(by('fp32').addsPerToken).toBe(4);
    expect(by('fp32').mulsPerToken).toBe(6);
    expect(by('fp32').pjPerToken).toBeCloseTo(9.38, 12);
    expect(by('fp32').joules).toBeCloseTo(93.8e-12, 22);
  });
  it('FP16: 4 · 0.16 + 6 · 0.34 = 2.68 pJ; INT8: 4 · 0.007 + 6 · 0.07 = 0.448 pJ', () => {
    expect(by('fp16').pjPerToken).toBeCloseTo(2.68, 12);
    expect(by('int8').pjPerToken).toBeCloseTo(0.448, 12);
  });
  it('ternary: 3 nonzero weights over 2 outputs → 1 add · 0.007 + (3 + 2) scaling muls · 0.34 = 1.707 pJ', () => {
    expect(by('ternary').addsPerToken).toBe(1);
    expect(by('ternary').mulsPerToken).toBe(5);
    expect(by('ternary').pjPerToken).toBeCloseTo(1.707, 12);
    expect(by('ternary').savingVsFp16).toBeCloseTo(2.68 / 1.707, 12);
  });
  it('sums layers and returns the table and formulas with the numbers', () => {
    const two = estimateEnergy(
      [
        { name: 'a', out: 2, in: 3, zeroFraction: 0.5 },
        { name: 'b', out: 4, in: 5, zeroFraction: 0 },
      ],
      { node: '45nm' },
    );
    // b at 45 nm FP16: 16 adds · 0.4 + 20 muls · 1.1 = 28.4; a: 4 · 0.4 + 6 · 1.1 = 8.2
    expect(two.totals.find((t) => t.format === 'fp16')!.pjPerToken).toBeCloseTo(36.6, 12);
    expect(two.layers[1]!.pjPerToken.fp16).toBeCloseTo(28.4, 12);
    expect(two.table.node).toBe('45nm');
    expect(two.formulas.ternary).toMatch(/zero/);
    expect(JSON.parse(JSON.stringify(two))).toEqual(two);
  });
});
