/**
 * Entry of the energy-report panel (dist/webview/energy.js). Messages:
 * energy/host.ts. The report is kept in the webview state so the panel
 * redraws after hide/show and a reload.
 */
import compareCss from '../compare/compare.css';
import css from '../energy/energy.css';
import '../shared/charts/index.js';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import type { CheckpointEnergyReport } from '../../../src/core/analysis/energyCheckpoint.js';
import { initialEnergy, isEnergyReport, type EnergyPanelMessage, type EnergyPanelRequest } from '../energy/host.js';
import { renderEnergy } from '../energy/view.js';

adoptCss(compareCss);
adoptCss(css);
const root = document.createElement('main');
root.className = 'cmp-root';
document.body.appendChild(root);

const api = getVsCodeApi<{ report?: CheckpointEnergyReport }, EnergyPanelRequest>();
let report = initialEnergy() ?? api?.getState()?.report;
const onExport = api ? () => api.postMessage({ type: 'export' }) : undefined;
if (report) renderEnergy(root, report, onExport);
else root.appendChild(Object.assign(document.createElement('p'), { className: 'cmp-empty', textContent: 'Waiting for the energy report…' }));

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as EnergyPanelMessage | undefined;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'report' && isEnergyReport(m.report)) {
    report = m.report;
    api?.setState({ report });
    renderEnergy(root, report, onExport);
  } else if (m.type === 'progress' && !report) {
    let box = root.querySelector('.en-progress');
    if (!box) {
      box = Object.assign(document.createElement('div'), { className: 'en-progress' });
      box.append(document.createElement('p'), Object.assign(document.createElement('progress'), { max: 1 }));
      root.replaceChildren(box);
    }
    box.querySelector('p')!.textContent = `Measuring sparsity… ${m.label ?? ''}`.trim();
    const bar = box.querySelector('progress')!;
    if (m.total > 0) bar.value = Math.min(1, m.done / m.total);
  } else if (m.type === 'error' && typeof m.message === 'string') {
    root.replaceChildren(Object.assign(document.createElement('p'), { className: 'en-error', textContent: m.message }));
  }
});
api?.postMessage({ type: 'ready' });
