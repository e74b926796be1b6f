/**
 * Entry of the comparison panel (dist/webview/compare.js). The report comes
 * from an initial JSON script tag or a `{type: 'report', report}` message
 * (compare/host.ts); the page posts `{type: 'ready'}` once listening.
 */
import css from '../compare/compare.css';
import '../shared/charts/index.js';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { renderComparison } from '../compare/compareView.js';
import { initialReport, isComparison, type CompareMessage } from '../compare/host.js';

adoptCss(css);
const root = document.createElement('main');
root.className = 'cmp-root';
document.body.appendChild(root);

const first = initialReport();
if (first) renderComparison(root, first);
else root.appendChild(Object.assign(document.createElement('p'), { className: 'cmp-empty', textContent: 'Waiting for a comparison report…' }));

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as CompareMessage | undefined;
  if (m && m.type === 'report' && isComparison(m.report)) renderComparison(root, m.report);
});
getVsCodeApi<unknown, { type: 'ready' }>()?.postMessage({ type: 'ready' });
