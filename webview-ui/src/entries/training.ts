/**
 * Entry of the training-curves panel (dist/webview/training.js). The host
 * (or a test page) posts TrainingPanelEvent messages; the page answers
 * {type: 'ready'} once listening, and 'cancel' / 'openCheckpoint' on clicks.
 * Where the run comes from (engine, launch command, overlaid runs) arrives
 * as TrainingRunEvent messages (src/protocol/trainingRuns.ts). Both are checked
 * on receipt (shared/hostMessages.ts).
 */
import css from '../training/training.css';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { TrainingView } from '../training/view.js';
import * as v from 'valibot';
import { TrainingPanelEventSchema, type TrainingPanelRequest } from '../../../src/protocol/training.js';
import { TrainingRunEventSchema, type TrainingRunRequest } from '../../../src/protocol/trainingRuns.js';
import { onHostMessage } from '../shared/hostMessages.js';

adoptCss(css);
const root = document.createElement('main');
root.className = 'tr-root';
document.body.appendChild(root);

const api = getVsCodeApi<unknown, TrainingPanelRequest | TrainingRunRequest>();
const view = new TrainingView(root, (m) => api?.postMessage(m));
(window as unknown as { trainingView: TrainingView }).trainingView = view;

onHostMessage(v.variant('type', [TrainingPanelEventSchema, TrainingRunEventSchema]), 'training panel', (m) => view.handle(m));
api?.postMessage({ type: 'ready' });
