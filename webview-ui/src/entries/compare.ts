/**
 * Entry of the comparison panel (dist/webview/compare.js). The report comes
 * from an initial JSON script tag or a `{type: 'report', report}` message
 * (compare/host.ts); the page posts `{type: 'ready'}` once listening. Inside
 * VS Code its Quality section also holds the real-model evaluation on the
 * user's text (`{type: 'quality'}` messages, src/protocol/models.ts).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import css from '../compare/compare.css';
import modelsCss from '../models/models.css';
import '../shared/charts/index.js';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { renderComparison } from '../compare/compareView.js';
import { initialReport, isComparison } from '../compare/host.js';
import { ModelQuality } from '../models/qualitySection.js';
import type { QualityRequest } from '../../../src/protocol/models.js';
import { PanelMessageSchema } from '../../../src/protocol/panels.js';
import { onHostMessage, refusal } from '../shared/hostMessages.js';

adoptCss(css);
adoptCss(modelsCss);
const root = document.createElement('main');
root.className = 'cmp-root';
document.body.appendChild(root);
const api = getVsCodeApi<unknown, { type: 'ready' } | QualityRequest>();

// One element for the page's life, moved into each rendering of the report.
const quality = new ModelQuality();
quality.id = 'cmp-text-quality';
quality.addEventListener('quality-request', (e) => api?.postMessage((e as CustomEvent<QualityRequest>).detail));

function show(report: Parameters<typeof renderComparison>[1]): void {
  renderComparison(root, report);
  // The real-model block needs the host (it runs a job): exported pages do without it.
  if (api) root.querySelector('#cmp-quality .cmp-caption')?.after(quality);
}

const first = initialReport();
if (first) show(first);
else root.appendChild(Object.assign(document.createElement('p'), { className: 'cmp-empty', textContent: 'Waiting for a comparison report…' }));

onHostMessage(PanelMessageSchema, 'comparison panel', (m) => {
  if (m.type === 'report') {
    if (isComparison(m.report)) show(m.report);
    else console.warn(refusal('"report" message from the host (comparison panel): report: not a comparison report'));
  } else if (m.type === 'quality') quality.event = m;
});
api?.postMessage({ type: 'ready' });
