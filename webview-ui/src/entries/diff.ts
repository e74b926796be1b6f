/**
 * Entry of the checkpoint-diff panel (dist/webview/diff.js). Messages:
 * diff/host.ts. The page keeps the report and the table's sort in the VS
 * Code webview state, so it redraws after hide/show and after a reload.
 */
import css from '../diff/diff.css';
import '../shared/charts/index.js';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { initialDiff, type DiffPageState, type DiffPanelRequest } from '../diff/host.js';
import { PanelMessageSchema } from '../../../src/protocol/panels.js';
import { CheckpointDiffSchema } from '../../../src/protocol/diffSchema.js';
import { parseMessage } from '../../../src/protocol/schema.js';
import * as v from 'valibot';
import { onHostMessage, refusal } from '../shared/hostMessages.js';
import { renderDiff, renderError, renderProgress } from '../diff/view.js';

const DiffReportMessageSchema = v.strictObject({ type: v.literal('report'), report: CheckpointDiffSchema });

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

onHostMessage(PanelMessageSchema, 'diff panel', (m) => {
  if (m.type === 'report') {
    // The diff itself is checked field by field, so the refusal names the place (report.tensors.3.flips: …).
    const r = parseMessage(DiffReportMessageSchema, m, 'from the host (diff panel)');
    if (!r.ok) {
      console.warn(refusal(r.error));
      return;
    }
    state = { ...state, report: r.value.report };
    api?.setState(state);
    draw();
  } else if (m.type === 'progress' && !state.report) {
    renderProgress(root, m.done, m.total, m.label);
  } else if (m.type === 'error') {
    renderError(root, m.message);
  }
});
api?.postMessage({ type: 'ready' });
