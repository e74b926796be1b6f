/**
 * The `bitnetLab.checkpointInspector` custom editor. Opening a document
 * starts reading the header in the job process straight away (before the
 * page has even loaded) and then the analysis; each panel is a session on
 * the shared model.
 *
 * Where the header is parsed: in the job process too, not on the host. A
 * malformed header is exactly the input that could hang or blow up a parser,
 * and the measured cost is small (bench/inspector-open.mjs: 10,000-tensor
 * header 126 ms via the job process vs 95 ms in-process, 1.3×; the fork,
 * ~100-160 ms, is paid once at activation). So every byte of a checkpoint is
 * parsed outside the extension host.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { CheckpointModel } from '../checkpointModel.js';
import type { CheckpointRegistry } from '../checkpointRegistry.js';
import { InspectorSession, type SessionHost } from './session.js';

export const INSPECTOR_VIEW_TYPE = 'bitnetLab.checkpointInspector';

class CheckpointDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, readonly model: CheckpointModel, private readonly onDispose: () => void) {}
  dispose(): void {
    this.onDispose();
  }
}

export interface InspectorProviderDeps extends SessionHost {
  registry: CheckpointRegistry;
  createModel(path: string, fileName: string): CheckpointModel;
  /** A path the job process can open: the file itself, or a bounded local copy for non-file schemes. */
  localPath(uri: vscode.Uri): Promise<string>;
  /** Start (or reuse) the analysis with the current settings, with a progress notification. */
  startAnalysis(model: CheckpointModel): void;
}

export class CheckpointInspectorProvider implements vscode.CustomReadonlyEditorProvider<CheckpointDocument> {
  private readonly sessions = new Set<InspectorSession>();

  constructor(private readonly deps: InspectorProviderDeps) {}

  static register(deps: InspectorProviderDeps): { provider: CheckpointInspectorProvider; disposable: vscode.Disposable } {
    const provider = new CheckpointInspectorProvider(deps);
    const disposable = vscode.window.registerCustomEditorProvider(INSPECTOR_VIEW_TYPE, provider, {
      supportsMultipleEditorsPerDocument: true,
      webviewOptions: { retainContextWhenHidden: false },
    });
    return { provider, disposable };
  }

  async openCustomDocument(uri: vscode.Uri): Promise<CheckpointDocument> {
    const path = await this.deps.localPath(uri);
    const { registry } = this.deps;
    const fresh = registry.get(path) === undefined;
    const model = registry.acquire(path, () => this.deps.createModel(path, basename(path)));
    if (fresh) this.deps.startAnalysis(model);
    return new CheckpointDocument(uri, model, () => registry.release(path));
  }

  resolveCustomEditor(document: CheckpointDocument, panel: vscode.WebviewPanel): void {
    const session = new InspectorSession(panel, document.model, this.deps);
    this.sessions.add(session);
    if (panel.active) this.deps.registry.setActive(document.model.path);
    panel.onDidChangeViewState(() => {
      if (panel.active) this.deps.registry.setActive(document.model.path);
    });
    panel.onDidDispose(() => {
      this.sessions.delete(session);
      session.dispose();
    });
  }

  /** Sessions showing this checkpoint (most recently opened last). */
  sessionsFor(path: string): InspectorSession[] {
    return [...this.sessions].filter((s) => s.model.path === path);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}
