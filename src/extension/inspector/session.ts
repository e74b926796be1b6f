/**
 * One inspector panel: page shell, message validation, and the bridge
 * between the page and the shared CheckpointModel. The page is treated as
 * untrusted: every message goes through parseInspectorRequest, and it can
 * only ever act on this panel's own checkpoint.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { InspectorRequest } from '../../protocol/inspector.js';
import { parseInspectorRequest } from '../../protocol/inspector.js';
import { parseQualityRequest } from '../../protocol/models.js';
import type { PanelQuality } from '../panels/reportPanel.js';
import type { CheckpointModel, ModelEvent } from '../checkpointModel.js';
import { webviewPageHtml } from './html.js';
import { EventPump } from './eventPump.js';
import { emptyHistogramEvent, histogramEvent } from './events.js';

export interface SessionHost {
  extensionUri: vscode.Uri;
  exportReport(model: CheckpointModel, format: 'json' | 'html'): Promise<void>;
  log(line: string): void;
  /** The Quality section (real-model evaluation on a text). */
  quality?: PanelQuality;
}

export class InspectorSession implements vscode.Disposable {
  private readonly pump: EventPump;
  private pendingHistograms: Array<{ requestId: number; name: string }> = [];
  /** A reveal asked for before the page was ready; sent right after the first sync. */
  private pendingReveal: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly panel: vscode.WebviewPanel, readonly model: CheckpointModel, private readonly host: SessionHost) {
    const webview = panel.webview;
    const distWeb = vscode.Uri.joinPath(host.extensionUri, 'dist', 'webview');
    webview.options = {
      enableScripts: true,
      localResourceRoots: [distWeb, vscode.Uri.joinPath(host.extensionUri, 'media')],
    };
    const script = vscode.Uri.joinPath(distWeb, 'inspector.js');
    const style = vscode.Uri.joinPath(distWeb, 'inspector.css');
    webview.html = webviewPageHtml({
      cspSource: webview.cspSource,
      scriptUri: existsSync(script.fsPath) ? webview.asWebviewUri(script).toString() : undefined,
      styleUri: existsSync(style.fsPath) ? webview.asWebviewUri(style).toString() : undefined,
      title: `BitNet inspector: ${model.fileName}`,
    });
    this.pump = new EventPump(model, (e) => void webview.postMessage(e));
    this.disposables.push(
      webview.onDidReceiveMessage((raw) => this.onRequest(raw)),
      model.onEvent((e) => this.onModelEvent(e)),
    );
    const quality = host.quality?.onChange((path, e) => {
      if (path === model.path) this.pump.post(e);
    });
    if (quality) this.disposables.push(quality);
  }

  get isReady(): boolean {
    return this.pump.isReady;
  }

  /** Messages posted since the page said 'ready' (tests read it). */
  get posted(): number {
    return this.pump.posted;
  }

  reveal(name: string): void {
    this.panel.reveal(undefined, false);
    if (this.pump.isReady) this.pump.post({ type: 'reveal', name });
    else this.pendingReveal = name;
  }

  dispose(): void {
    this.pump.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private onRequest(raw: unknown): void {
    const quality = parseQualityRequest(raw);
    if (quality) {
      this.host.quality?.request(this.model.path, quality);
      return;
    }
    const req = parseInspectorRequest(raw, (error) => this.host.log(`inspector: ignored ${error}`));
    if (!req) return;
    this.handle(req);
  }

  private handle(req: InspectorRequest): void {
    switch (req.type) {
      case 'ready':
        // A (re)loaded page: replay the whole state; anything pending belonged to the old page.
        this.pendingHistograms = [];
        this.pump.pageReady();
        if (this.pendingReveal !== undefined) this.pump.post({ type: 'reveal', name: this.pendingReveal });
        if (this.host.quality) this.pump.post(this.host.quality.eventFor(this.model.path));
        this.pendingReveal = undefined;
        break;
      case 'getHistogram': {
        const t = this.model.tensors.get(req.name);
        const reply = histogramEvent(req.requestId, t);
        if (reply) this.pump.post(reply);
        else if (t && this.model.analyzing && t.quantized) this.pendingHistograms.push(req);
        else this.pump.post(emptyHistogramEvent(req.requestId, req.name));
        break;
      }
      case 'reanalyze':
        void this.model.analyze({ ...this.model.settings, method: req.method });
        break;
      case 'cancel':
        this.model.cancelAnalysis();
        break;
      case 'exportReport':
        void this.host.exportReport(this.model, req.format);
        break;
      case 'openSettings':
        void vscode.commands.executeCommand('workbench.action.openSettings', 'bitnetLab');
        break;
    }
  }

  /** Histogram requests that waited for their tensor: answer as stats arrive; at the end, answer empty. */
  private onModelEvent(e: ModelEvent): void {
    if (e.type === 'tensors') this.answerHistograms(false);
    else if (e.type === 'done' || e.type === 'cancelled' || e.type === 'error') this.answerHistograms(true);
  }

  private answerHistograms(final: boolean): void {
    this.pendingHistograms = this.pendingHistograms.filter((req) => {
      const reply = histogramEvent(req.requestId, this.model.tensors.get(req.name));
      if (reply) this.pump.post(reply);
      else if (final) this.pump.post(emptyHistogramEvent(req.requestId, req.name));
      return !reply && !final;
    });
  }
}
