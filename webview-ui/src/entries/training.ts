/**
 * Entry of the training-curves panel (dist/webview/training.js). The host
 * (or a test page) posts TrainingPanelEvent messages; the page answers
 * {type: 'ready'} once listening, and 'cancel' / 'openCheckpoint' on clicks.
 * Where the run comes from (engine, launch command, overlaid runs) arrives
 * as TrainingRunEvent messages (src/protocol/trainingRuns.ts), checked here.
 */
import css from '../training/training.css';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { TrainingView } from '../training/view.js';
import * as v from 'valibot';
import type { TrainingPanelEvent, TrainingPanelRequest } from '../../../src/protocol/training.js';
import { TrainingRunEventSchema, type TrainingRunRequest } from '../../../src/protocol/trainingRuns.js';

adoptCss(css);
const root = document.createElement('main');
root.className = 'tr-root';
document.body.appendChild(root);

const api = getVsCodeApi<unknown, TrainingPanelRequest | TrainingRunRequest>();
const view = new TrainingView(root, (m) => api?.postMessage(m));
(window as unknown as { trainingView: TrainingView }).trainingView = view;

const TYPES = new Set(['init', 'metrics', 'status', 'finetune']);
const RUN_TYPES = new Set(['runInfo', 'overlay', 'reset']);
window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as TrainingPanelEvent | undefined;
  const type = m && typeof m === 'object' ? ((m as { type?: string }).type ?? '') : '';
  if (TYPES.has(type)) view.handle(m!);
  else if (RUN_TYPES.has(type)) {
    const r = v.safeParse(TrainingRunEventSchema, m);
    if (r.success) view.handle(r.output);
    else console.warn(`BitNet Lab: ignored a ${type} message (${r.issues[0].message})`);
  }
});
api?.postMessage({ type: 'ready' });
