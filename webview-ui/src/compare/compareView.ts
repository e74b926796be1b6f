/**
 * Renders a ComparisonReport into a container: header with provenance and
 * headline figures, then memory, speed, quality and energy sections, each
 * with a canvas chart and its numbers. Plain DOM (textContent only), so it
 * runs under a strict CSP in the VS Code panel and in the exported HTML.
 */
import type { ComparisonReport } from '../../../src/core/analysis/compare.js';
import { memoryBars, memoryColumns } from '../inspector/memoryBars.js';
import type { Bar, BarChart } from '../shared/charts/index.js';
import { formatBytes, formatCount, formatFactor, formatSig } from '../shared/format.js';
import { energyBars, qualityBars, speedBars } from './charts.js';
import { el, table } from './dom.js';
import { appendFormulasAndHeadline, opEnergyTable } from './energyModel.js';

function chart(id: string, label: string, bars: Bar[], columns: string[]): HTMLElement {
  const c = document.createElement('bn-bar-chart') as BarChart;
  c.id = id;
  c.label = label;
  c.bars = bars;
  c.columns = columns;
  c.height = Math.max(60, 26 * bars.length + 24);
  return c;
}

function section(id: string, title: string, caption: string): HTMLElement {
  const s = el('section', 'cmp-section');
  s.id = id;
  s.appendChild(el('h2', undefined, title));
  s.appendChild(el('p', 'cmp-caption', caption));
  return s;
}

function kpi(value: string, label: string): HTMLElement {
  const k = el('div', 'cmp-kpi');
  k.appendChild(el('div', 'cmp-kpi-value', value));
  k.appendChild(el('div', 'cmp-kpi-label', label));
  return k;
}

const VARIANT = { fp: 'FP (full precision)', ptq: 'PTQ (post-training ternary)', qat: 'QAT (BitNet, ternary)' } as const;

/** FP vs PTQ vs QAT on held-out data, or why the model could not be run. */
function modelQualityBlock(r: ComparisonReport): HTMLElement {
  const box = el('div', 'cmp-model-quality');
  box.id = 'cmp-model-quality';
  const mq = r.modelQuality;
  if (!mq) {
    box.appendChild(el('p', 'cmp-note', `End-to-end quality not measured: ${r.modelQualityUnavailable ?? 'not requested'}.`));
    return box;
  }
  const acc = mq.metricName === 'accuracy';
  box.appendChild(el('h3', undefined, `End to end: ${mq.metricName}`));
  box.appendChild(el('p', 'cmp-line', `${mq.dataset} · ${formatCount(mq.splitSize)} ${acc ? 'examples' : 'tokens'} · tfjs-${mq.backend}`));
  box.appendChild(table(['variant', 'loss (nats)', mq.metricName, 'quantization', 'weights'], mq.rows.map((row) => [
    VARIANT[row.variant],
    row.loss.toFixed(4),
    acc ? `${(100 * row.metric).toFixed(2)}%` : row.metric.toFixed(3),
    row.quantization,
    row.checkpoint.split(/[\\/]/).pop() ?? row.checkpoint,
  ])));
  for (const n of mq.notes) box.appendChild(el('p', 'cmp-note', n));
  return box;
}

export function renderComparison(root: HTMLElement, r: ComparisonReport): void {
  root.replaceChildren();
  const base = r.file.split(/[\\/]/).pop() ?? r.file;
  const header = el('header', 'cmp-header');
  header.appendChild(el('h1', 'cmp-title', base));
  header.appendChild(el('div', 'cmp-sub', `${r.format} · ${r.linearLayers} linear layers · ${formatCount(r.linearParams)} linear weights — full precision vs BitNet b1.58 ternary`));
  const p = r.provenance;
  header.appendChild(el('div', 'cmp-prov', `${p.tool} · ${p.machine} · tfjs backend ${p.backend} · kernel ${p.kernel} · ${p.createdAt} · ${p.seconds.toFixed(1)} s`));
  const kpis = el('div', 'cmp-kpis');
  const ws = r.memory.workingSet;
  if (r.memory.resident) kpis.appendChild(kpi(formatFactor(r.memory.resident.fp32Bytes / r.memory.resident.ternaryBytes), 'less resident memory in a forward pass (measured)'));
  else kpis.appendChild(kpi(formatFactor(ws.fp32Bytes / ws.ternaryPackedBytes), 'less weight memory (FP32 → packed ternary, computed)'));
  if (r.speed.forwardPass) kpis.appendChild(kpi(formatFactor(r.speed.forwardPass.gemv.speedup), 'faster batch-1 pass (measured)'));
  if (Number.isFinite(r.quality.meanRelError)) kpis.appendChild(kpi(formatSig(r.quality.meanRelError, 3), 'mean relative output error'));
  const tern = r.energy.totals.find((t) => t.format === 'ternary');
  if (tern) kpis.appendChild(kpi(formatFactor(tern.savingVsFp16), `less arithmetic energy than FP16 (${r.energy.node} model)`));
  header.appendChild(kpis);
  root.appendChild(header);

  // Memory
  const mem = section('cmp-memory', 'Memory', 'Bytes of the whole checkpoint with every linear weight in each storage format (embeddings, norms and head stay as stored).');
  mem.appendChild(chart('chart-memory', 'checkpoint size per storage format', memoryBars(r.memory.byFormat), memoryColumns(r.memory.byFormat)));
  const rs = r.memory.resident;
  if (rs) {
    mem.appendChild(chart('chart-resident', 'measured resident memory of one forward pass', [
      { label: `FP32 (tfjs-${rs.fp32Backend})`, value: rs.fp32Bytes, colorIndex: 1, cells: [formatBytes(rs.fp32Bytes), formatFactor(1)] },
      { label: 'packed ternary (wasm)', value: rs.ternaryBytes, colorIndex: 3, cells: [formatBytes(rs.ternaryBytes), formatFactor(rs.fp32Bytes / rs.ternaryBytes)] },
    ], ['measured RSS', 'FP32 / this']));
    mem.appendChild(el('p', 'cmp-line', `Measured resident memory of one forward pass through all ${r.linearLayers} linear layers: FP32 ${formatBytes(rs.fp32Bytes)} vs packed ternary ${formatBytes(rs.ternaryBytes)} (${formatFactor(rs.fp32Bytes / rs.ternaryBytes)}).`));
    mem.appendChild(el('p', 'cmp-note', rs.note));
  } else {
    mem.appendChild(el('p', 'cmp-note', `Resident memory not measured: ${r.memory.residentUnavailable ?? 'unknown reason'}.`));
  }
  mem.appendChild(el('p', 'cmp-line', `Linear-layer weight bytes: FP32 ${formatBytes(ws.fp32Bytes)} vs packed ternary ${formatBytes(ws.ternaryPackedBytes)} (${formatFactor(ws.fp32Bytes / ws.ternaryPackedBytes)}).`));
  mem.appendChild(el('p', 'cmp-note', ws.note));
  root.appendChild(mem);

  // Speed
  const sp = section('cmp-speed', 'Speed', `float32 matMul on tfjs-${r.speed.backend} vs the ${r.speed.kernel} ternary kernel (2-bit weights, int8 activations), ${r.speed.threads} thread, on this model's linear shapes; medians of ${r.speed.repeats} alternated runs.`);
  if (r.speed.shapes.length === 0) sp.appendChild(el('p', 'cmp-empty', 'No shapes were timed.'));
  else sp.appendChild(chart('chart-speed', 'speedup of the ternary kernel per shape', speedBars(r), ['speedup', 'float32', 'ternary']));
  const fp = r.speed.forwardPass;
  if (fp) {
    sp.appendChild(el('p', 'cmp-line', `One pass over the ${fp.coveredLayers} layers of these shapes: batch 1 ${fp.gemv.floatMs.toFixed(2)} ms → ${fp.gemv.ternaryMs.toFixed(2)} ms (${formatFactor(fp.gemv.speedup)}); batch ${r.speed.batch} ${fp.gemm.floatMs.toFixed(2)} ms → ${fp.gemm.ternaryMs.toFixed(2)} ms (${formatFactor(fp.gemm.speedup)}).`));
  }
  for (const s of r.speed.skippedShapes) sp.appendChild(el('p', 'cmp-note', `Not timed: ${s.out}×${s.in} (${s.layers} layers) — ${s.reason}.`));
  root.appendChild(sp);

  // Quality
  const q = section('cmp-quality', 'Quality', `End to end on held-out data when the model is one we can run; for every checkpoint, per-layer output error of the ternary layer (absmean weights × per-token int8 activations) against the original on ${r.quality.inputs} inputs, ${r.quality.tokens} tokens each.`);
  q.appendChild(modelQualityBlock(r));
  q.appendChild(el('h3', undefined, 'Per-layer output error'));
  if (r.quality.layers.length === 0) q.appendChild(el('p', 'cmp-empty', 'No layers were measured.'));
  else q.appendChild(chart('chart-quality', 'relative output error per layer', qualityBars(r), ['rel. error', 'cosine', 'zeros']));
  q.appendChild(el('p', 'cmp-line', `Mean relative error ${formatSig(r.quality.meanRelError, 3)}, lowest cosine ${Number.isFinite(r.quality.minCosine) ? r.quality.minCosine.toFixed(4) : '—'}${r.quality.skippedLayers > 0 ? ` · ${r.quality.skippedLayers} layers not measured` : ''}.`));
  for (const n of r.quality.notes) q.appendChild(el('p', 'cmp-note', n));
  root.appendChild(q);

  // Energy
  const e = r.energy;
  const en = section('cmp-energy', 'Energy', `Arithmetic energy of the linear layers per token at ${e.node}, from published per-operation energies and this model's measured zero share — a model, not a wattmeter.`);
  en.appendChild(chart('chart-energy', 'arithmetic energy per token by format', energyBars(r), ['per token', `${e.tokens} tokens`, 'FP16 / this']));
  en.appendChild(el('h3', undefined, 'Per-operation energy (pJ)'));
  en.appendChild(opEnergyTable(e));
  en.appendChild(el('p', 'cmp-note', `Source: ${e.table.source}`));
  appendFormulasAndHeadline(en, e);
  root.appendChild(en);

  for (const n of r.notes) root.appendChild(el('p', 'cmp-note cmp-warn', n));
}
