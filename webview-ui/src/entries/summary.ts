/**
 * Entry of the sidebar summary webview view (dist/webview/summary.js).
 * Receives the active checkpoint's InspectorEvents (or `{type:'clear'}`) and
 * posts `{type:'ready'}` once listening.
 */
import css from '../inspector.css';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { SummaryView, type SummaryEvent } from '../inspector/summaryView.js';

adoptCss(css);
document.body.classList.add('bn-sidebar');
const view = new SummaryView();
document.body.appendChild(view);
window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as SummaryEvent | undefined;
  if (m && typeof m.type === 'string') view.handle(m);
});
getVsCodeApi<unknown, { type: 'ready' }>()?.postMessage({ type: 'ready' });
