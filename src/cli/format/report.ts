/**
 * The human-readable rendering of a CheckpointReport (the --json output is
 * the report itself).
 */
import type { CheckpointReport, MemoryByFormat, TensorReport } from '../../core/analysis/report.js';
import { formatBytes } from '../../core/format.js';
import { formatCount, formatNumber, formatPercent, renderTable, writeTable, type Column } from './table.js';

const TENSOR_COLUMNS: Column<TensorReport>[] = [
  { title: 'tensor', value: (t) => t.name, maxWidth: 48 },
  { title: 'dtype', value: (t) => t.dtype },
  { title: 'shape', value: (t) => `[${t.shape.join(', ')}]` },
  { title: 'params', align: 'right', value: (t) => formatCount(t.params) },
  { title: 'γ', align: 'right', value: (t) => (t.stats ? formatNumber(t.stats.gamma) : '') },
  { title: 'zero', align: 'right', value: (t) => (t.stats ? formatPercent(t.stats.zeroFraction) : '') },
  { title: '+1 / −1', align: 'right', value: (t) => (t.stats ? plusMinus(t) : '') },
  { title: 'rel.RMSE', align: 'right', value: (t) => (t.stats ? formatNumber(t.stats.relRmse, 3) : '') },
  { title: 'SQNR dB', align: 'right', value: (t) => (t.stats ? t.stats.sqnrDb.toFixed(2) : '') },
  { title: 'note', value: note, maxWidth: 40, cut: 'words' },
];

function plusMinus(t: TensorReport): string {
  const s = t.stats!;
  const n = s.zeros + s.plus + s.minus;
  return n > 0 ? `${formatPercent(s.plus / n)} / ${formatPercent(s.minus / n)}` : '–';
}

function note(t: TensorReport): string {
  if (t.error) return `error: ${t.error}`;
  const nonFinite = t.stats?.nonFinite ?? t.distribution?.nonFinite ?? 0;
  if (nonFinite > 0) return `⚠ ${nonFinite} NaN/Inf values left out${t.quantized ? '' : ` (kept: ${t.reason ?? 'not a linear weight'})`}`;
  if (t.stats?.fakeQuantized) return 'already ternary (fake-quant)';
  if (t.stats?.storedTernary) return 'stored ternary';
  return t.quantized ? '' : `kept: ${t.reason ?? 'not a linear weight'}`;
}

const MEMORY_ROWS: Array<[keyof MemoryByFormat, string]> = [
  ['asStored', 'as stored'],
  ['f32', 'F32'],
  ['f16', 'F16 / BF16'],
  ['int8', 'INT8'],
  ['hfBitnet', 'HF BitNet packed (2 bit)'],
  ['i2_s', 'bitnet.cpp I2_S (2 bit)'],
  ['tq2_0', 'GGUF TQ2_0 (2.06 bit)'],
  ['tq1_0', 'GGUF TQ1_0 (1.69 bit)'],
  ['ideal', 'ideal log2(3) = 1.58 bit'],
];

export function renderReport(report: CheckpointReport): string {
  const parts: string[] = [];
  writeReport(report, (t) => void parts.push(t));
  return parts.join('');
}

/** The report as text, written piece by piece (see writeTable): a 400,000-tensor table is never one string. */
export function writeReport(report: CheckpointReport, write: (text: string) => void): void {
  const { totals } = report;
  write(`${report.file}  (${report.format}, ${report.tensors.length} tensors)\n`);
  write(`method ${report.method} · engine ${report.backend} · ${report.provenance.seconds.toFixed(2)} s · ${report.provenance.machine}\n\n`);
  writeTable(report.tensors, TENSOR_COLUMNS, write);
  write('\n');
  const dtypes = Object.entries(totals.dtypeParams).map(([d, n]) => `${d} ${formatCount(n)}`).join(', ');
  write(`parameters ${formatCount(totals.params)} (${dtypes}); ${formatCount(totals.quantizedParams)} in ${totals.quantizedTensors} quantizable linear weights (${formatPercent(totals.params > 0 ? totals.quantizedParams / totals.params : 0)})\n\n`);
  const base = totals.memory.asStored;
  write(
    renderTable(MEMORY_ROWS, [
      { title: 'storage (linear weights as…)', value: ([, label]) => label },
      { title: 'bytes', align: 'right', value: ([k]) => formatBytes(totals.memory[k]) },
      { title: 'vs stored', align: 'right', value: ([k]) => (totals.memory[k] > 0 ? `${(base / totals.memory[k]).toFixed(2)}×` : '–') },
    ]),
  );
  write('Non-linear tensors (embeddings, norms, head) stay as stored in every row.\n');
}
