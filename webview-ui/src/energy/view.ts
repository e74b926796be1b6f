/**
 * Renders the energy report of `bitnet-lab energy` (same semantics: process
 * node, token count): energy per token by format, the per-operation table,
 * the formulas and the paper's headline ratio. It uses the comparison
 * panel's look (compare.css classes and DOM helpers) so both read alike.
 */
import type { CheckpointEnergyReport } from '../../../src/core/analysis/energyCheckpoint.js';
import type { Bar, BarChart } from '../shared/charts/index.js';
import { formatFactor, formatSig } from '../shared/format.js';
import { el } from '../compare/dom.js';
import { appendFormulasAndHeadline, opEnergyTable } from '../compare/energyModel.js';
import { shortName } from '../compare/charts.js';

const LABEL: Record<string, string> = { fp32: 'FP32', fp16: 'FP16', int8: 'INT8 (W8A8)', ternary: 'ternary b1.58' };

function bars(id: string, label: string, data: Bar[], columns: string[]): HTMLElement {
  const c = document.createElement('bn-bar-chart') as BarChart;
  c.id = id;
  c.label = label;
  c.bars = data;
  c.columns = columns;
  c.height = Math.max(60, 26 * data.length + 24);
  return c;
}

/** The layers that cost the most FP16 energy per token: where ternary saves most. */
const TOP_LAYERS = 12;

export function renderEnergy(root: HTMLElement, r: CheckpointEnergyReport, onExport?: () => void): void {
  root.replaceChildren();
  const header = el('header', 'cmp-header');
  const titleRow = el('div', 'en-title-row');
  titleRow.appendChild(el('h1', 'cmp-title', r.file.split(/[\\/]/).pop() ?? r.file));
  if (onExport) {
    const b = el('button', 'en-button', 'Export…');
    b.id = 'en-export';
    b.type = 'button';
    b.addEventListener('click', onExport);
    titleRow.appendChild(b);
  }
  header.appendChild(titleRow);
  header.appendChild(el('div', 'cmp-sub', `${r.format} · ${r.layers.length} linear layers · process node ${r.node} · ${r.tokens} tokens — arithmetic energy, a model and not a wattmeter`));
  header.appendChild(el('div', 'cmp-prov', `${r.provenance.tool} · ${r.provenance.machine} · ${r.provenance.createdAt} · ${r.provenance.seconds.toFixed(1)} s`));
  const kpis = el('div', 'cmp-kpis');
  const tern = r.totals.find((t) => t.format === 'ternary');
  const kpi = (value: string, label: string): void => {
    const k = el('div', 'cmp-kpi');
    k.appendChild(el('div', 'cmp-kpi-value', value));
    k.appendChild(el('div', 'cmp-kpi-label', label));
    kpis.appendChild(k);
  };
  if (tern) {
    kpi(formatFactor(tern.savingVsFp16), `less arithmetic energy than FP16 (${r.node})`);
    kpi(`${formatSig(tern.pjPerToken, 3)} pJ`, 'ternary energy per token');
  }
  kpi(`${r.headline.ratio.toFixed(2)}×`, `paper headline at ${r.headline.node}`);
  header.appendChild(kpis);
  root.appendChild(header);

  const s = el('section', 'cmp-section');
  s.id = 'en-totals';
  s.appendChild(el('h2', undefined, 'Energy per token by format'));
  s.appendChild(el('p', 'cmp-caption', `Linear layers only, from published per-operation energies (${r.table.source}); zeros of the ternary weights skip their additions.`));
  s.appendChild(bars('en-chart-totals', 'arithmetic energy per token by format', r.totals.map((t, i) => ({
    label: LABEL[t.format] ?? t.format,
    value: t.pjPerToken,
    colorIndex: t.format === 'ternary' ? 3 : i === 0 ? 1 : 0,
    muted: t.format === 'fp16',
    cells: [`${formatSig(t.pjPerToken, 4)} pJ`, `${formatSig(t.joules, 3)} J`, formatFactor(t.savingVsFp16)],
  })), ['per token', `${r.tokens} tokens`, 'FP16 / this']));
  root.appendChild(s);

  const top = [...r.layers].sort((a, b) => b.pjPerToken.fp16 - a.pjPerToken.fp16).slice(0, TOP_LAYERS);
  if (top.length > 0) {
    const l = el('section', 'cmp-section');
    l.id = 'en-layers';
    l.appendChild(el('h2', undefined, 'Per layer'));
    l.appendChild(el('p', 'cmp-caption', `Ternary energy per token of the ${top.length} most expensive layers (at FP16), with their measured zero share.`));
    l.appendChild(bars('en-chart-layers', 'ternary energy per token per layer', top.map((x) => ({
      label: shortName(x.name),
      value: x.pjPerToken.ternary,
      colorIndex: 3,
      cells: [`${formatSig(x.pjPerToken.ternary, 3)} pJ`, `${formatSig(x.pjPerToken.fp16, 3)} pJ`, `${(100 * x.zeroFraction).toFixed(1)}%`],
    })), ['ternary', 'FP16', 'zeros']));
    root.appendChild(l);
  }

  const m = el('section', 'cmp-section');
  m.id = 'en-model';
  m.appendChild(el('h2', undefined, 'The model'));
  m.appendChild(el('h3', undefined, `Per-operation energy at ${r.node} (pJ)`));
  m.appendChild(opEnergyTable(r));
  appendFormulasAndHeadline(m, r);
  root.appendChild(m);
}
