/**
 * The `bitnetLab.summary` webview view: headline numbers of the active
 * checkpoint. With the UI build's summary page (dist/webview/summary.js) it
 * streams the active model's events to it; without it, the host renders a
 * script-free HTML summary itself.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { CheckpointRegistry } from '../checkpointRegistry.js';
import { EventPump } from '../inspector/eventPump.js';
import { makeNonce, webviewPageHtml } from '../inspector/html.js';
import { summaryHtml, type SummaryInput } from './summaryHtml.js';

export class SummaryViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private pump: EventPump | undefined;
  private readonly subscription: { dispose(): void };
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly registry: CheckpointRegistry, private readonly extensionUri: vscode.Uri) {
    this.subscription = registry.onDidChange(() => {
      if (this.pump) {
        this.pump.follow(this.registry.active);
        return;
      }
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.renderStatic();
      }, 300);
    });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const distWeb = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const script = vscode.Uri.joinPath(distWeb, 'summary.js');
    this.pump?.dispose();
    this.pump = undefined;
    if (existsSync(script.fsPath)) {
      view.webview.options = { enableScripts: true, localResourceRoots: [distWeb, vscode.Uri.joinPath(this.extensionUri, 'media')] };
      const style = vscode.Uri.joinPath(distWeb, 'summary.css');
      view.webview.html = webviewPageHtml({
        cspSource: view.webview.cspSource,
        scriptUri: view.webview.asWebviewUri(script).toString(),
        styleUri: existsSync(style.fsPath) ? view.webview.asWebviewUri(style).toString() : undefined,
        title: 'BitNet summary',
      });
      const pump = new EventPump(this.registry.active, (e) => void view.webview.postMessage(e));
      this.pump = pump;
      view.webview.onDidReceiveMessage((m: unknown) => {
        if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ready') pump.pageReady();
      });
    } else {
      view.webview.options = { enableScripts: false, localResourceRoots: [] };
      this.renderStatic();
    }
    view.onDidDispose(() => {
      if (this.view !== view) return;
      this.view = undefined;
      this.pump?.dispose();
      this.pump = undefined;
    });
  }

  /** What the view shows now (tests read it). */
  current(): SummaryInput | undefined {
    const m = this.registry.active;
    const totals = m?.totals;
    if (!m || !totals || !m.header) return undefined;
    return { fileName: m.fileName, format: m.header.format, status: m.phase, method: m.settings.method, totals, tensors: m.tensorList() };
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.pump?.dispose();
    this.subscription.dispose();
  }

  private renderStatic(): void {
    if (!this.view || this.pump) return;
    this.view.webview.html = summaryHtml(this.current(), this.view.webview.cspSource, makeNonce());
  }
}
