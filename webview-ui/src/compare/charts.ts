/** Bar-chart data for the comparison panel (drawn by the shared canvas <bn-bar-chart>). */
import type { ComparisonReport } from '../../../src/core/analysis/compare.js';
import type { Bar } from '../shared/charts/index.js';
import { formatFactor, formatSig } from '../shared/format.js';

const LABEL: Record<string, string> = { fp32: 'FP32', fp16: 'FP16', int8: 'INT8 (W8A8)', ternary: 'ternary b1.58' };

/** Speedup bars: one per shape and batch (GEMV and GEMM), value = float / ternary. */
export function speedBars(r: ComparisonReport): Bar[] {
  const bars: Bar[] = [];
  for (const s of r.speed.shapes) {
    for (const [kind, p, color] of [['batch 1', s.gemv, 0], [`batch ${r.speed.batch}`, s.gemm, 3]] as const) {
      bars.push({
        label: `${s.out}×${s.in} ${kind}`,
        value: p.speedup,
        colorIndex: color,
        cells: [formatFactor(p.speedup), `${p.floatMs.toFixed(3)} ms`, `${p.ternaryMs.toFixed(3)} ms`],
      });
    }
  }
  return bars;
}

/** Energy per token by format; the FP16 bar is the reference. */
export function energyBars(r: ComparisonReport): Bar[] {
  return r.energy.totals.map((t, i) => ({
    label: LABEL[t.format] ?? t.format,
    value: t.pjPerToken,
    colorIndex: t.format === 'ternary' ? 3 : i === 0 ? 1 : 0,
    muted: t.format === 'fp16',
    cells: [`${formatSig(t.pjPerToken, 4)} pJ`, `${formatSig(t.joules, 3)} J`, formatFactor(t.savingVsFp16)],
  }));
}

/** Output error per measured layer. */
export function qualityBars(r: ComparisonReport): Bar[] {
  return r.quality.layers.map((l) => ({
    label: shortName(l.name),
    value: l.relError,
    colorIndex: 1,
    cells: [formatSig(l.relError, 3), l.cosine.toFixed(4), `${(100 * l.zeroFraction).toFixed(1)}%`],
  }));
}

/** "model.layers.12.self_attn.q_proj.weight" → "12.self_attn.q_proj": the parts people scan for. */
export function shortName(name: string): string {
  return name.replace(/^(model\.)?(layers|blk|h|transformer\.h)\./, '').replace(/\.weight$/, '');
}
