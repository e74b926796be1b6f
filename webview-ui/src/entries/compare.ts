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
import { initialReport, isComparison, type CompareMessage } from '../compare/host.js';
import { ModelQuality } from '../models/qualitySection.js';
import * as v from 'valibot';
import { QualityEventSchema, type QualityRequest } from '../../../src/protocol/models.js';

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

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as CompareMessage | undefined;
  if (m && m.type === 'report' && isComparison(m.report)) show(m.report);
  else if (m && (m as { type?: unknown }).type === 'quality') {
    const q = v.safeParse(QualityEventSchema, m);
    if (q.success) quality.event = q.output;
    else console.warn(`BitNet Lab: ignored a quality message (${q.issues[0].message})`);
  }
});
api?.postMessage({ type: 'ready' });
