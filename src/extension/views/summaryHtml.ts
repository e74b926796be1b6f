/**
 * The sidebar summary: the active checkpoint's headline numbers as static
 * HTML (no script at all — the CSP forbids it), re-rendered by the host.
 */
import type { ReportTotals, TensorReport } from '../../core/analysis/report.js';
import { escapeHtml } from '../inspector/html.js';
import { formatBytes, formatCount, formatPercent } from './format.js';

export interface SummaryInput {
  fileName: string;
  format: string;
  status: string;
  method: string;
  totals: ReportTotals;
  tensors: readonly TensorReport[];
}

export interface Headline {
  label: string;
  value: string;
  hint?: string;
}

/** Parameter-weighted means over the quantized tensors analysed so far. */
export function weightedStats(tensors: readonly TensorReport[]): { zeroFraction: number; relRmse: number; analysed: number } {
  let w = 0;
  let zero = 0;
  let rmse = 0;
  let analysed = 0;
  for (const t of tensors) {
    if (!t.stats) continue;
    analysed++;
    w += t.params;
    zero += t.params * t.stats.zeroFraction;
    rmse += t.params * t.stats.relRmse;
  }
  return w > 0 ? { zeroFraction: zero / w, relRmse: rmse / w, analysed } : { zeroFraction: NaN, relRmse: NaN, analysed };
}

export function headlines(s: SummaryInput): Headline[] {
  const m = s.totals.memory;
  const factor = (b: number): string => (b > 0 ? `${(m.asStored / b).toFixed(1)}× smaller` : '');
  const stats = weightedStats(s.tensors);
  return [
    { label: 'Parameters', value: formatCount(s.totals.params), hint: `${s.tensors.length} tensors` },
    {
      label: 'Quantized (BitLinear)',
      value: formatCount(s.totals.quantizedParams),
      hint: `${s.totals.quantizedTensors} tensors · ${formatPercent(s.totals.params > 0 ? s.totals.quantizedParams / s.totals.params : NaN)}`,
    },
    { label: 'As stored', value: formatBytes(m.asStored) },
    { label: 'TQ2_0', value: formatBytes(m.tq2_0), hint: factor(m.tq2_0) },
    { label: 'Ideal 1.58 bit', value: formatBytes(m.ideal), hint: factor(m.ideal) },
    { label: 'Zeros (weighted)', value: formatPercent(stats.zeroFraction), hint: `${stats.analysed} analysed` },
    { label: 'Rel. RMSE (weighted)', value: Number.isFinite(stats.relRmse) ? stats.relRmse.toFixed(4) : '–' },
  ];
}

export function summaryHtml(input: SummaryInput | undefined, cspSource: string, nonce: string): string {
  const csp = `default-src 'none'; style-src ${cspSource} 'nonce-${nonce}'; img-src ${cspSource} data:;`;
  const body = input
    ? `<h2 title="${escapeHtml(input.fileName)}">${escapeHtml(input.fileName)}</h2>
<p class="sub">${escapeHtml(input.format)} · ${escapeHtml(input.method)} · ${escapeHtml(input.status)}</p>
<dl>${headlines(input)
        .map((h) => `<dt>${escapeHtml(h.label)}</dt><dd>${escapeHtml(h.value)}${h.hint ? ` <span class="hint">${escapeHtml(h.hint)}</span>` : ''}</dd>`)
        .join('')}</dl>`
    : `<p class="sub">Open a .safetensors or .gguf file to see its BitNet summary.</p>`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style nonce="${nonce}">
body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:0 8px}
h2{font-size:1.05em;margin:.6em 0 .1em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.sub,.hint{color:var(--vscode-descriptionForeground)}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25em .8em;margin:.6em 0}
dt{color:var(--vscode-descriptionForeground)}dd{margin:0;font-variant-numeric:tabular-nums}
</style></head><body>${body}</body></html>`;
}
