/**
 * Entry of the sidebar summary webview view (dist/webview/summary.js).
 * Receives the active checkpoint's InspectorEvents (or `{type:'clear'}`) and
 * posts `{type:'ready'}` once listening. Each message is checked on receipt.
 */
import css from '../inspector.css';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { SummaryView } from '../inspector/summaryView.js';
import { SummaryEventSchema } from '../../../src/protocol/inspector.js';
import { onHostMessage } from '../shared/hostMessages.js';

adoptCss(css);
document.body.classList.add('bn-sidebar');
const view = new SummaryView();
document.body.appendChild(view);
onHostMessage(SummaryEventSchema, 'summary view', (m) => view.handle(m));
getVsCodeApi<unknown, { type: 'ready' }>()?.postMessage({ type: 'ready' });
