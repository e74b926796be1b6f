/**
 * Renders a CheckpointDiff: header with both files and the overall flip rate,
 * three per-layer charts (flip rate, relative Δγ, Δ zero share — one line per
 * projection kind) and a sortable tensor table. Plain DOM through textContent,
 * so it runs under the webview's strict CSP.
 */
import type { CheckpointDiff } from '../../../src/core/analysis/diff.js';
import type { LineChart, Series } from '../shared/charts/index.js';
import { formatCount, formatPercent, formatSeconds } from '../shared/format.js';
import { el } from '../compare/dom.js';
import { deltaGammaSeries, deltaSparsitySeries, flipRateSeries, layerDomain } from './series.js';
import { DIFF_COLUMNS, sortTensors } from './tableModel.js';

export interface DiffViewOptions {
  sort: { key: string; descending: boolean };
  onSort: (sort: { key: string; descending: boolean }) => void;
  /** Present inside VS Code: shows the Export button. */
  onExport?: () => void;
}

const baseName = (p: string): string => p.split(/[\\/]/).pop() ?? p;
const pct = (v: number): string => (v === 0 ? '0%' : `${(v * 100).toFixed(Math.abs(v) < 0.1 ? 1 : 0)}%`);
const signedPct = (v: number): string => (v === 0 ? '0%' : `${v > 0 ? '+' : '−'}${(Math.abs(v) * 100).toFixed(Math.abs(v) < 0.1 ? 1 : 0)}%`);

function lineChart(id: string, label: string, series: Series[], yFormat: (v: number) => string, domain: [number, number] | undefined, zeroBased: boolean): HTMLElement {
  const c = document.createElement('bn-line-chart') as LineChart;
  c.id = id;
  c.label = label;
  c.series = series;
  c.xLabel = 'layer';
  c.xIntegers = true;
  c.xDomain = domain;
  c.zeroBased = zeroBased;
  c.yFormat = yFormat;
  c.height = 220;
  return c;
}

function card(title: string, caption: string, chart: HTMLElement): HTMLElement {
  const c = el('section', 'df-card');
  c.appendChild(el('h3', undefined, title));
  c.appendChild(el('p', 'df-note', caption));
  c.appendChild(chart);
  return c;
}

export function renderDiff(root: HTMLElement, d: CheckpointDiff, options: DiffViewOptions): void {
  root.replaceChildren();
  const header = el('header', 'df-header');
  const titleRow = el('div', 'df-title-row');
  titleRow.appendChild(el('h1', 'df-title', `${baseName(d.fileA)} ↔ ${baseName(d.fileB)}`));
  if (options.onExport) {
    const b = el('button', 'df-button', 'Export…');
    b.id = 'df-export';
    b.type = 'button';
    b.title = 'Save this comparison as JSON';
    b.addEventListener('click', () => options.onExport?.());
    titleRow.appendChild(b);
  }
  header.appendChild(titleRow);
  header.appendChild(el('div', 'df-sub', `a: ${d.fileA} (${d.formatA}) · b: ${d.fileB} (${d.formatB}) · codes by ${d.method} where not stored ternary · ${formatSeconds(d.seconds)}`));
  const kpis = el('div', 'df-kpis');
  const kpi = (value: string, label: string, id: string): void => {
    const k = el('div', 'df-kpi');
    k.id = id;
    k.appendChild(el('div', 'df-kpi-value', value));
    k.appendChild(el('div', 'df-kpi-label', label));
    kpis.appendChild(k);
  };
  kpi(formatPercent(d.totals.flipRate, 2), 'of ternary codes differ', 'df-kpi-flips');
  kpi(formatCount(d.totals.tensors), 'tensors compared', 'df-kpi-tensors');
  kpi(formatCount(d.totals.params), 'weights compared', 'df-kpi-params');
  kpi(formatCount(d.totals.flips), 'codes flipped', 'df-kpi-flipped');
  header.appendChild(kpis);
  root.appendChild(header);

  const domain = layerDomain(d);
  if (domain) {
    const grid = el('div', 'df-grid');
    grid.appendChild(card('Flip rate per layer', 'Share of ternary codes that differ between a and b.', lineChart('df-chart-flips', 'flip rate per layer and projection', flipRateSeries(d), pct, domain, true)));
    grid.appendChild(card('Δγ per layer', 'Relative change of the scale: (γb − γa) / γa.', lineChart('df-chart-gamma', 'relative change of gamma per layer', deltaGammaSeries(d), signedPct, domain, false)));
    grid.appendChild(card('Δ zeros per layer', 'Change in the share of zero codes (sparsity), b − a.', lineChart('df-chart-sparsity', 'change of sparsity per layer', deltaSparsitySeries(d), signedPct, domain, false)));
    root.appendChild(grid);
  } else {
    root.appendChild(el('p', 'df-empty', 'No tensor names carry a layer index, so there are no per-layer charts; every tensor is in the table below.'));
  }

  root.appendChild(el('h2', 'df-h2', `Tensors (${d.tensors.length})`));
  root.appendChild(renderTable(d, options));

  const notes: string[] = [];
  if (d.onlyInA.length) notes.push(`Only in a (${d.onlyInA.length}): ${d.onlyInA.slice(0, 8).join(', ')}${d.onlyInA.length > 8 ? ' …' : ''}`);
  if (d.onlyInB.length) notes.push(`Only in b (${d.onlyInB.length}): ${d.onlyInB.slice(0, 8).join(', ')}${d.onlyInB.length > 8 ? ' …' : ''}`);
  for (const m of d.shapeMismatch.slice(0, 8)) notes.push(`Shapes differ for ${m.name}: [${m.shapeA.join(', ')}] vs [${m.shapeB.join(', ')}] — not compared`);
  for (const e of d.errors.slice(0, 8)) notes.push(`Could not compare ${e.name}: ${e.error}`);
  for (const n of notes) root.appendChild(el('p', 'df-note df-warn', n));
}

function renderTable(d: CheckpointDiff, options: DiffViewOptions): HTMLElement {
  const wrap = el('div', 'df-table-wrap');
  const table = el('table', 'df-table');
  table.id = 'df-table';
  const head = table.createTHead().insertRow();
  const body = table.createTBody();
  const { key, descending } = options.sort;
  for (const c of DIFF_COLUMNS) {
    const th = el('th');
    th.className = c.numeric ? 'df-num' : '';
    th.setAttribute('aria-sort', c.key === key ? (descending ? 'descending' : 'ascending') : 'none');
    const b = el('button', 'df-sort', `${c.title}${c.key === key ? (descending ? ' ▼' : ' ▲') : ''}`);
    b.type = 'button';
    b.dataset['key'] = c.key;
    // Numbers are most interesting largest first; names A→Z.
    b.addEventListener('click', () => options.onSort({ key: c.key, descending: c.key === key ? !descending : c.numeric }));
    th.appendChild(b);
    head.appendChild(th);
  }
  for (const t of sortTensors(d.tensors, key, descending)) {
    const tr = body.insertRow();
    tr.dataset['name'] = t.name;
    for (const c of DIFF_COLUMNS) {
      const td = el('td', c.numeric ? 'df-num' : 'df-name', c.text(t));
      if (c.key === 'name' && t.nameB) td.title = `b: ${t.nameB}`;
      tr.appendChild(td);
    }
  }
  wrap.appendChild(table);
  return wrap;
}

/** Shown while the job runs: a label and a determinate bar when the total is known. */
export function renderProgress(root: HTMLElement, done: number, total: number, label?: string): void {
  let box = root.querySelector<HTMLElement>('.df-progress');
  if (!box) {
    root.replaceChildren();
    box = el('div', 'df-progress');
    box.appendChild(el('p', 'df-progress-label'));
    const bar = el('progress');
    bar.max = 1;
    box.appendChild(bar);
    root.appendChild(box);
  }
  box.querySelector('.df-progress-label')!.textContent = `Comparing checkpoints… ${label ?? ''}`.trim();
  const bar = box.querySelector('progress')!;
  if (total > 0) bar.value = Math.min(1, done / total);
  else bar.removeAttribute('value');
}

export function renderError(root: HTMLElement, message: string): void {
  root.replaceChildren(el('p', 'df-error', message));
}
