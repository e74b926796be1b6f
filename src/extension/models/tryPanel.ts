/**
 * The Try it panel on the host side: one panel per checkpoint. A run starts
 * two `generate` jobs at once — FP and ternary (or stored) — and forwards
 * their text to the page as it streams; Cancel (the page's button, the Jobs
 * view, or a new run) stops both. The page is replayed the whole state when
 * it (re)loads.
 */
import * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import type { LinearMode } from '../../core/model/api.js';
import type { GenerateSettings, ModelRunSettings, TryColumn, TryEvent, TryState } from '../../protocol/models.js';
import { parseTryRequest } from '../../protocol/models.js';
import { JobError } from '../../jobs/client.js';
import { makeNonce, webviewPageHtml } from '../inspector/html.js';
import type { Services } from '../services.js';

export const TRY_VIEW_TYPE = 'bitnetLab.tryModel';

/**
 * What to call a checkpoint in the panel: Hugging Face folders all hold a
 * `model.safetensors` (or its index), so name the folder too.
 */
export function displayName(path: string): string {
  const file = basename(path);
  return /^(model|pytorch_model|consolidated)([-.]|$)/.test(file) ? `${basename(dirname(path))}/${file}` : file;
}

export const DEFAULT_GENERATE: GenerateSettings = { maxTokens: 64, temperature: 0, topK: 40, seed: 1 };

export class TryPanel {
  private static readonly open = new Map<string, TryPanel>();
  private ready = false;
  private state: TryState;
  private running: Array<{ cancel(): void }> = [];
  private finished: Promise<TryColumn[]> = Promise.resolve([]);
  /** Message types posted to the page (tests). */
  readonly posted: string[] = [];

  static all(): TryPanel[] {
    return [...TryPanel.open.values()];
  }

  static show(s: Services, path: string, modes: LinearMode[], run: () => ModelRunSettings): TryPanel {
    const existing = TryPanel.open.get(path);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TRY_VIEW_TYPE, `Try it: ${displayName(path)}`, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(s.context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(s.context.extensionUri, 'media')],
    });
    const p = new TryPanel(s, path, modes, panel, run);
    TryPanel.open.set(path, p);
    return p;
  }

  private constructor(private readonly s: Services, readonly path: string, modes: LinearMode[], readonly panel: vscode.WebviewPanel, private readonly runSettings: () => ModelRunSettings) {
    this.state = { fileName: displayName(path), runId: 0, prompt: '', settings: DEFAULT_GENERATE, columns: modes.map((mode) => ({ mode, status: 'idle', text: '', tokens: 0 })) };
    const webview = panel.webview;
    webview.html = webviewPageHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(s.context.extensionUri, 'dist', 'webview', 'tryModel.js')).toString(),
      title: panel.title,
      nonce: makeNonce(),
    });
    panel.iconPath = vscode.Uri.joinPath(s.context.extensionUri, 'media', 'bitnet.svg');
    webview.onDidReceiveMessage((raw: unknown) => {
      const m = parseTryRequest(raw);
      if (!m) {
        s.log('try it: ignored a malformed message from the page');
        return;
      }
      if (m.type === 'ready') {
        this.ready = true;
        this.post({ type: 'state', state: this.state });
      } else if (m.type === 'generate') void this.generate(m.prompt, m.settings);
      else this.cancel();
    });
    panel.onDidDispose(() => {
      this.cancel();
      TryPanel.open.delete(path);
    });
  }

  get isReady(): boolean {
    return this.ready;
  }

  get snapshot(): TryState {
    return this.state;
  }

  /** Resolves when the latest run's columns have all finished. */
  whenDone(): Promise<TryColumn[]> {
    return this.finished;
  }

  cancel(): void {
    for (const j of this.running) j.cancel();
  }

  /** Start a run (a running one is cancelled first). Resolves to the final columns. */
  generate(prompt: string, settings: GenerateSettings): Promise<TryColumn[]> {
    this.cancel();
    const runId = this.state.runId + 1;
    const columns: TryColumn[] = this.state.columns.map((c) => ({ mode: c.mode, status: 'running', text: '', tokens: 0 }));
    this.state = { ...this.state, runId, prompt, settings, columns };
    this.post({ type: 'state', state: this.state });
    const extra = this.runSettings();
    this.running = [];
    this.finished = Promise.all(columns.map((c) => this.runColumn(runId, c.mode, prompt, { ...settings, ...extra })));
    return this.finished;
  }

  private async runColumn(runId: number, mode: LinearMode, prompt: string, settings: GenerateSettings & ModelRunSettings): Promise<TryColumn> {
    const update = (next: TryColumn): void => {
      if (runId !== this.state.runId) return;
      this.state = { ...this.state, columns: this.state.columns.map((c) => (c.mode === mode ? next : c)) };
    };
    let streamed: TryColumn = { mode, status: 'running', text: '', tokens: 0 };
    const job = this.s.jobs.start(
      { kind: 'generate', path: this.path, prompt, mode, settings },
      {
        onText: (text, tokens) => {
          streamed = { ...streamed, text: streamed.text + text, tokens: streamed.tokens + tokens };
          update(streamed);
          if (runId === this.state.runId) this.post({ type: 'text', runId, mode, text, tokens });
        },
      },
    );
    this.running.push(job);
    const tracked = this.s.tracker.add('generate', `${displayName(this.path)} (${mode})`, () => job.cancel());
    let final: TryColumn;
    try {
      const r = (await job.result).value;
      const { text, generatedTokens, ...rest } = r;
      final = { mode, status: 'done', text, tokens: generatedTokens.length, result: { ...rest, generatedTokens: generatedTokens.length } };
      this.s.tracker.finish(tracked.id, 'done', `${generatedTokens.length} tokens, ${r.tokensPerSecond.toFixed(1)} tokens/s`);
    } catch (e) {
      const failure = e instanceof JobError ? e.failure : { code: 'internal', message: String(e) };
      const cancelled = failure.code === 'cancelled';
      final = { ...streamed, status: cancelled ? 'cancelled' : 'failed', message: cancelled ? `Cancelled after ${streamed.tokens} tokens.` : failure.message };
      this.s.tracker.finish(tracked.id, cancelled ? 'cancelled' : 'failed', failure.message);
    }
    update(final);
    if (runId === this.state.runId) this.post({ type: 'column', runId, column: final });
    return final;
  }

  private post(m: TryEvent): void {
    if (!this.ready) return;
    this.posted.push(m.type);
    void this.panel.webview.postMessage(m);
  }
}
