/**
 * One report panel (comparison, energy report or checkpoint diff): a
 * WebviewPanel with its page bundle under a strict CSP, messages queued until
 * the page says `ready`, progress in the title while the job runs, and the
 * report kept for export. Created for a new job or adopted by the serializer
 * after a reload.
 */
import * as vscode from 'vscode';
import type { PanelMessage, ReportPanelKind } from '../../protocol/panels.js';
import { isPanelRequest } from '../../protocol/panels.js';
import { parseQualityRequest, type QualityEvent, type QualityRequest } from '../../protocol/models.js';
import { makeNonce, webviewPageHtml } from '../inspector/html.js';
import { progressSuffix, REPORT_KINDS, type ReportKind, type ReportOf } from './reportKinds.js';

export interface ReportPanelHost {
  extensionUri: vscode.Uri;
  log(line: string): void;
  /** The page's Export button or the title-bar action. */
  onExport(panel: ReportPanel): void;
  /** The comparison page's Quality section (real-model evaluation on a text), once the extension has it. */
  readonly quality?: PanelQuality;
}

/** What a comparison panel needs of the Quality runner (models/qualityRunner.ts). */
export interface PanelQuality {
  eventFor(path: string): QualityEvent;
  request(path: string, req: QualityRequest): void;
  onChange(listener: (path: string, e: QualityEvent) => void): vscode.Disposable;
}

export class ReportPanel<K extends ReportPanelKind = ReportPanelKind> {
  private static readonly open = new Set<ReportPanel>();
  private ready = false;
  private queue: PanelMessage[] = [];
  private baseTitle: string;
  /** Message types posted so far (tests). */
  readonly posted: string[] = [];
  report: ReportOf<K> | undefined;
  failed: string | undefined;

  static all(): ReportPanel[] {
    return [...ReportPanel.open];
  }

  /** The panel the user looks at, for the title-bar export action. */
  static active(): ReportPanel | undefined {
    return ReportPanel.all().find((p) => p.panel.active);
  }

  static create<K extends ReportPanelKind>(host: ReportPanelHost, kind: K, subject: string): ReportPanel<K> {
    const k: ReportKind<K> = REPORT_KINDS[kind];
    const panel = vscode.window.createWebviewPanel(k.viewType, k.runningTitle(subject), { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, ReportPanel.options(host.extensionUri));
    return new ReportPanel(host, k, panel, k.runningTitle(subject));
  }

  /** For the serializer: VS Code re-created the panel, we fill it in. */
  static adopt<K extends ReportPanelKind>(host: ReportPanelHost, kind: K, panel: vscode.WebviewPanel, report: ReportOf<K> | undefined): ReportPanel<K> {
    const k: ReportKind<K> = REPORT_KINDS[kind];
    panel.webview.options = ReportPanel.options(host.extensionUri);
    const p = new ReportPanel(host, k, panel, panel.title);
    if (report !== undefined) p.setReport(report);
    else p.fail('This panel was restored after a reload, but its report is no longer available. Run the command again.');
    return p;
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // Pages redraw from their own state; keeping hidden panels alive would cost memory for nothing.
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  private constructor(private readonly host: ReportPanelHost, readonly kind: ReportKind<K>, readonly panel: vscode.WebviewPanel, title: string) {
    this.baseTitle = title;
    const webview = panel.webview;
    webview.html = webviewPageHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(host.extensionUri, 'dist', 'webview', `${kind.entry}.js`)).toString(),
      title,
      nonce: makeNonce(),
    });
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'bitnet.svg');
    webview.onDidReceiveMessage((m: unknown) => {
      const quality = kind.kind === 'compare' ? parseQualityRequest(m) : undefined;
      if (quality) {
        if (this.checkpoint !== undefined) host.quality?.request(this.checkpoint, quality);
        return;
      }
      if (!isPanelRequest(m)) {
        host.log(`${kind.viewType}: ignored a malformed message from the page`);
        return;
      }
      if (m.type === 'ready') {
        // A page that was hidden and shown again starts from scratch: give it everything again.
        this.ready = true;
        const replay = this.report !== undefined ? [{ type: 'report', report: this.report } as const] : this.failed ? [{ type: 'error', message: this.failed } as const] : [];
        for (const msg of [...this.queue, ...replay]) this.postNow(msg);
        this.queue = [];
        if (this.checkpoint !== undefined && host.quality) this.postNow(host.quality.eventFor(this.checkpoint));
      } else if (this.report !== undefined) {
        host.onExport(this);
      }
    });
    const qualitySub = host.quality?.onChange((path, e) => {
      if (path === this.checkpoint) this.post(e);
    });
    panel.onDidDispose(() => {
      qualitySub?.dispose();
      ReportPanel.open.delete(this);
    });
    ReportPanel.open.add(this);
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** The checkpoint a finished comparison is about (its Quality section evaluates that file). */
  get checkpoint(): string | undefined {
    const r = this.report;
    return r !== undefined && 'kind' in r && r.kind === 'bitnet-lab/comparison' ? r.file : undefined;
  }

  progress(done: number, total: number, label?: string): void {
    if (this.report !== undefined) return;
    this.panel.title = `${this.baseTitle} (${progressSuffix(done, total, label)})`;
    this.post({ type: 'progress', done, total, label });
  }

  setReport(report: ReportOf<K>): void {
    this.report = report;
    this.baseTitle = this.kind.title(report);
    this.panel.title = this.baseTitle;
    this.post({ type: 'report', report });
    if (this.checkpoint !== undefined && this.host.quality) this.post(this.host.quality.eventFor(this.checkpoint));
  }

  fail(message: string): void {
    this.failed = message;
    this.panel.title = `${this.baseTitle} (failed)`;
    this.post({ type: 'error', message });
  }

  private post(m: PanelMessage): void {
    if (!this.ready) {
      // Only the latest progress matters; reports and errors are replayed on 'ready' anyway.
      if (m.type === 'progress') this.queue = [m];
      return;
    }
    this.postNow(m);
  }

  private postNow(m: PanelMessage): void {
    this.posted.push(m.type);
    void this.panel.webview.postMessage(m);
  }
}
