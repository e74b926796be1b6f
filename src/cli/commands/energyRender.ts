/** Terminal rendering of an energy report (shared by `energy` and `compare`). */
import type { EnergyReport, FormatEnergy } from '../../core/analysis/energy.js';
import { formatNumber, renderTable } from '../format/table.js';

const LABEL: Record<string, string> = { fp32: 'FP32', fp16: 'FP16', int8: 'INT8 (W8A8)', ternary: 'ternary b1.58' };

export function renderEnergy(e: EnergyReport): string {
  const t = e.table;
  const ops = renderTable(
    [['FP32', t.fp32], ['FP16', t.fp16], ['INT8', t.int8]] as const,
    [
      { title: 'per operation', value: (r) => r[0] },
      { title: 'add pJ', align: 'right', value: (r) => String(r[1].add) },
      { title: 'mul pJ', align: 'right', value: (r) => String(r[1].mul) },
    ],
  );
  const totals = renderTable(e.totals, [
    { title: 'format', value: (f: FormatEnergy) => LABEL[f.format] ?? f.format },
    { title: 'adds/token', align: 'right', value: (f) => formatNumber(f.addsPerToken, 4) },
    { title: 'muls/token', align: 'right', value: (f) => formatNumber(f.mulsPerToken, 4) },
    { title: 'pJ/token', align: 'right', value: (f) => formatNumber(f.pjPerToken, 4) },
    { title: `J for ${e.tokens} tokens`, align: 'right', value: (f) => formatNumber(f.joules, 4) },
    { title: 'FP16 / this', align: 'right', value: (f) => `${f.savingVsFp16.toFixed(2)}×` },
  ]);
  return [
    `energy model at ${e.node} — arithmetic energy of the linear layers, an estimate from published per-operation energies, not a measurement`,
    `table: ${t.source}`,
    '',
    ops.trimEnd(),
    '',
    'formulas (per token, summed over layers [out, in]):',
    ...(['fp32', 'fp16', 'int8', 'ternary'] as const).map((f) => `  ${(LABEL[f] ?? f).padEnd(14)} ${e.formulas[f]}`),
    '',
    totals.trimEnd(),
    '',
    `ternary matmul additions alone: ${formatNumber(e.ternaryAddsOnlyPj, 4)} pJ/token`,
    `headline (b1.58 paper, ${e.headline.node}): ${e.headline.formula} = ${e.headline.ratio.toFixed(2)}×`,
    ...e.notes.map((n) => `note: ${n}`),
  ].join('\n') + '\n';
}
