/**
 * Entry of the checkpoint-diff panel (dist/webview/diff.js). Messages:
 * diff/host.ts. The page keeps the report and the table's sort in the VS
 * Code webview state, so it redraws after hide/show and after a reload.
 */
import css from '../diff/diff.css';
import '../shared/charts/index.js';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { initialDiff, isCheckpointDiff, type DiffPageState, type DiffPanelMessage, type DiffPanelRequest } from '../diff/host.js';
import { renderDiff, renderError, renderProgress } from '../diff/view.js';

adoptCss(css);
const root = document.createElement('main');
root.className = 'df-root';
document.body.appendChild(root);

const api = getVsCodeApi<DiffPageState, DiffPanelRequest>();
let state: DiffPageState = api?.getState() ?? {};
const report = initialDiff() ?? state.report;

function draw(): void {
  if (!state.report) return;
  renderDiff(root, state.report, {
    sort: state.sort ?? { key: 'flipRate', descending: true },
    onSort: (sort) => {
      state = { ...state, sort };
      api?.setState(state);
      draw();
    },
    onExport: api ? () => api.postMessage({ type: 'export' }) : undefined,
  });
}

if (report) {
  state = { ...state, report };
  draw();
} else {
  root.appendChild(Object.assign(document.createElement('p'), { className: 'df-empty', textContent: 'Waiting for the comparison…' }));
}

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as DiffPanelMessage | undefined;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'report' && isCheckpointDiff(m.report)) {
    state = { ...state, report: m.report };
    api?.setState(state);
    draw();
  } else if (m.type === 'progress' && !state.report) {
    renderProgress(root, m.done, m.total, m.label);
  } else if (m.type === 'error' && typeof m.message === 'string') {
    renderError(root, m.message);
  }
});
api?.postMessage({ type: 'ready' });
