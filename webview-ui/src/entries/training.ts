/**
 * Entry of the training-curves panel (dist/webview/training.js). The host
 * (or a test page) posts TrainingPanelEvent messages; the page answers
 * {type: 'ready'} once listening, and 'cancel' / 'openCheckpoint' on clicks.
 */
import css from '../training/training.css';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { TrainingView } from '../training/view.js';
import type { TrainingPanelEvent, TrainingPanelRequest } from '../../../src/protocol/training.js';

adoptCss(css);
const root = document.createElement('main');
root.className = 'tr-root';
document.body.appendChild(root);

const api = getVsCodeApi<unknown, TrainingPanelRequest>();
const view = new TrainingView(root, (m) => api?.postMessage(m));
(window as unknown as { trainingView: TrainingView }).trainingView = view;

const TYPES = new Set(['init', 'metrics', 'status', 'finetune']);
window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as TrainingPanelEvent | undefined;
  if (m && typeof m === 'object' && TYPES.has((m as { type?: string }).type ?? '')) view.handle(m);
});
api?.postMessage({ type: 'ready' });
