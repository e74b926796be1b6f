/** The end-to-end (FP / PTQ / QAT) quality block of `bitnet-lab compare`, as terminal text. */
import type { ComparisonReport } from '../../core/analysis/compare.js';
import type { ModelQualityRow } from '../../core/analysis/modelQuality.js';
import { renderTable } from '../format/table.js';

const VARIANT: Record<ModelQualityRow['variant'], string> = {
  fp: 'FP (full precision)',
  ptq: 'PTQ (post-training ternary)',
  qat: 'QAT (BitNet, ternary)',
};

export function renderModelQuality(r: Pick<ComparisonReport, 'modelQuality' | 'modelQualityUnavailable'>): string {
  const q = r.modelQuality;
  if (!q) return `end to end: ${r.modelQualityUnavailable ?? 'not evaluated'}\n`;
  const acc = q.metricName === 'accuracy';
  const table = renderTable(q.rows, [
    { title: 'variant', value: (row: ModelQualityRow) => VARIANT[row.variant] },
    { title: 'loss (nats)', align: 'right', value: (row) => row.loss.toFixed(4) },
    { title: q.metricName, align: 'right', value: (row) => (acc ? `${(100 * row.metric).toFixed(2)}%` : row.metric.toFixed(3)) },
    { title: 'quantization', value: (row) => row.quantization },
    { title: 'weights', value: (row) => row.checkpoint, maxWidth: 48 },
  ]);
  return [
    `end to end on ${q.dataset} (${q.splitSize} ${acc ? 'examples' : 'tokens'}, tfjs-${q.backend}):`,
    table.trimEnd(),
    ...q.notes.map((n) => `note: ${n}`),
  ].join('\n') + '\n';
}
