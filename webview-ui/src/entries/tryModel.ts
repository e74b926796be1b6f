/**
 * Entry of the Try it panel (dist/webview/tryModel.js). The host posts
 * TryEvent messages (src/protocol/models.ts); the page answers `ready` once
 * listening, `generate` and `cancel` on clicks.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import css from '../models/models.css';
import { adoptCss } from '../shared/adoptCss.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import { TryView, type TryDraft } from '../models/tryView.js';
import * as v from 'valibot';
import { TryEventSchema, type TryRequest } from '../../../src/protocol/models.js';

adoptCss(css);
document.body.classList.add('try-body');
const api = getVsCodeApi<{ draft?: TryDraft }, TryRequest>();
const view = new TryView();
view.id = 'app';
view.post = (m) => api?.postMessage(m);
view.saveDraft = (draft) => api?.setState({ draft });
view.restoreDraft(api?.getState()?.draft);
document.body.appendChild(view);

window.addEventListener('message', (ev: MessageEvent) => {
  const m = v.safeParse(TryEventSchema, ev.data);
  if (m.success) view.handle(m.output);
  else console.warn(`BitNet Lab: ignored a message from the host (${m.issues[0].message})`);
});
api?.postMessage({ type: 'ready' });
