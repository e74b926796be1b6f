/**
 * The training-curves panel on the host side: opens when a training or
 * fine-tuning job starts (or a past run is reopened), loads
 * dist/webview/training.js under a strict CSP, forwards metric points at a
 * bounded rate (one batch per run every FORWARD_MS at most), replays the
 * whole run when the page (re)loads, and answers the page's Cancel and
 * "open checkpoint" buttons.
 */
import * as vscode from 'vscode';
import type { MetricName, MetricPoint, RunName, TrainingPanelEvent } from '../../protocol/training.js';
import { isTrainingPanelRequest } from '../../protocol/training.js';
import { isTrainingRunRequest, type Overlay, type RunInfo, type TrainingRunEvent } from '../../protocol/trainingRuns.js';
import { makeNonce, webviewPageHtml } from '../inspector/html.js';
import { MetricsBuffer } from './metricsBuffer.js';

export const TRAINING_VIEW_TYPE = 'bitnetLab.training';
/** At most this often a metrics message to the page (per run). */
const FORWARD_MS = 250;

type Init = Extract<TrainingPanelEvent, { type: 'init' }>;
type Status = Extract<TrainingPanelEvent, { type: 'status' }>;
type Finetune = Extract<TrainingPanelEvent, { type: 'finetune' }>;

export interface TrainingPanelHooks {
  onCancel?: () => void;
  openCheckpoint: (path: string) => void;
  /** The page's "Copy launch command", "SLURM script…" and "Overlay a run…" buttons. */
  onCopyLaunch?: () => void;
  onSlurmScript?: () => void;
  onOverlayRun?: () => void;
}

export class TrainingPanel {
  private static readonly open = new Set<TrainingPanel>();
  readonly metrics = new MetricsBuffer();
  private ready = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private status: Status = { type: 'status', state: 'running' };
  private finetune: Finetune | undefined;
  private runInfo: RunInfo | undefined;
  private overlays: Overlay[] = [];
  /** Metrics messages posted (tests: proves forwarding is batched). */
  metricsMessages = 0;
  disposed = false;

  static all(): TrainingPanel[] {
    return [...TrainingPanel.open];
  }

  static create(extensionUri: vscode.Uri, init: Omit<Init, 'type'>, hooks: TrainingPanelHooks): TrainingPanel {
    const panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, init.title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    return new TrainingPanel(extensionUri, panel, { type: 'init', ...init }, hooks);
  }

  private constructor(extensionUri: vscode.Uri, readonly panel: vscode.WebviewPanel, private init: Init, private hooks: TrainingPanelHooks) {
    const webview = panel.webview;
    webview.html = webviewPageHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'training.js')).toString(),
      title: init.title,
      nonce: makeNonce(),
    });
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'bitnet.svg');
    webview.onDidReceiveMessage((m: unknown) => {
      if (isTrainingRunRequest(m)) {
        if (m.type === 'copyLaunch') this.hooks.onCopyLaunch?.();
        else if (m.type === 'slurmScript') this.hooks.onSlurmScript?.();
        else this.hooks.onOverlayRun?.();
        return;
      }
      if (!isTrainingPanelRequest(m)) return;
      if (m.type === 'ready') {
        // A fresh page (first load, or shown again after being hidden): the whole run so far.
        this.ready = true;
        this.post(this.init);
        if (this.runInfo) this.post(this.runInfo);
        if (this.finetune) this.post(this.finetune);
        for (const b of this.metrics.replay()) this.postMetrics(b.run, b.points);
        for (const o of this.overlays) this.post(o);
        this.post(this.status);
      } else if (m.type === 'cancel') {
        this.hooks.onCancel?.();
      } else {
        const path = this.status.checkpoints?.[m.run];
        if (path) this.hooks.openCheckpoint(path);
      }
    });
    panel.onDidDispose(() => {
      this.disposed = true;
      if (this.timer !== undefined) clearTimeout(this.timer);
      TrainingPanel.open.delete(this);
    });
    TrainingPanel.open.add(this);
  }

  get isReady(): boolean {
    return this.ready;
  }

  addMetrics(run: RunName, points: MetricPoint[]): void {
    this.metrics.add(run, points);
    if (this.ready) this.timer ??= setTimeout(() => this.flush(), FORWARD_MS);
  }

  setMetricName(metricName: MetricName): void {
    this.init = { ...this.init, metricName };
    this.post(this.init);
  }

  /** Engine, folder, launch command: the panel's run line. */
  setRunInfo(info: Omit<RunInfo, 'type'>, hooks?: Partial<TrainingPanelHooks>): void {
    this.runInfo = { type: 'runInfo', ...info };
    if (hooks) this.hooks = { ...this.hooks, ...hooks };
    this.post(this.runInfo);
  }

  get info(): RunInfo | undefined {
    return this.runInfo;
  }

  /** Another run's curves drawn over this one's (compare engines, seeds, recipes). */
  addOverlay(o: Omit<Overlay, 'type'>): void {
    const overlay: Overlay = { type: 'overlay', ...o };
    this.overlays.push(overlay);
    this.post(overlay);
  }

  get overlayLabels(): string[] {
    return [...new Set(this.overlays.map((o) => o.label))];
  }

  /** The followed source started over: the page drops its curves, the points that follow redraw them. */
  reset(): void {
    this.flush();
    this.metrics.clear();
    this.post({ type: 'reset' });
  }

  setFinetune(m: Omit<Finetune, 'type'>): void {
    this.finetune = { type: 'finetune', ...m };
    this.post(this.finetune);
  }

  setStatus(state: Status['state'], message?: string, checkpoints?: Status['checkpoints'], hooks?: Partial<TrainingPanelHooks>): void {
    this.flush();
    this.status = { type: 'status', state, message, checkpoints };
    if (hooks) this.hooks = { ...this.hooks, ...hooks };
    this.post(this.status);
  }

  reveal(): void {
    this.panel.reveal();
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.ready) return;
    for (const b of this.metrics.takePending()) this.postMetrics(b.run, b.points);
  }

  private postMetrics(run: RunName, points: MetricPoint[]): void {
    this.metricsMessages++;
    this.post({ type: 'metrics', run, points });
  }

  private post(m: TrainingPanelEvent | TrainingRunEvent): void {
    if (!this.ready || this.disposed) return;
    void this.panel.webview.postMessage(m);
  }
}
