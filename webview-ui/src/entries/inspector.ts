/**
 * Entry of the checkpoint inspector webview (dist/webview/inspector.js).
 * Same bundle inside VS Code (live host) and in an exported HTML report
 * (static host reading the embedded JSON).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import css from '../inspector.css';
import modelsCss from '../models/models.css';
import { adoptCss } from '../shared/adoptCss.js';
import { InspectorApp } from '../inspector/inspectorApp.js';
import { connectHost } from '../inspector/host.js';

adoptCss(css);
adoptCss(modelsCss);
const app = new InspectorApp();
app.id = 'app';
document.body.appendChild(app);
app.start(connectHost());
