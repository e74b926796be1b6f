/**
 * Where the text of a Quality evaluation comes from: the text editor the user
 * last worked in (its buffer as shown, saved or not), or a text file they
 * pick, which the job process reads — the host never loads a file for it.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { EvalTextSource } from '../../protocol/models.js';

/** An editor buffer travels over IPC as a string: beyond this, ask for the file instead. */
export const MAX_EDITOR_CHARS = 16 * 1024 * 1024;

/**
 * The last text document that had focus. A webview (the inspector) is the
 * active editor when its button is pressed, so activeTextEditor is undefined
 * right then: remember the one before.
 */
export class RecentTextEditor implements vscode.Disposable {
  private last: vscode.TextDocument | undefined = vscode.window.activeTextEditor?.document;
  private readonly sub = vscode.window.onDidChangeActiveTextEditor((e) => {
    if (e) this.last = e.document;
  });

  get document(): vscode.TextDocument | undefined {
    if (this.last && !this.last.isClosed) return this.last;
    return vscode.window.visibleTextEditors.find((e) => !e.document.isClosed)?.document;
  }

  dispose(): void {
    this.sub.dispose();
  }
}

export async function chooseTextSource(choice: 'editor' | 'file' | undefined, recent: RecentTextEditor): Promise<EvalTextSource | undefined> {
  const doc = recent.document;
  let pick = choice;
  if (pick === undefined) {
    const items: Array<vscode.QuickPickItem & { choice: 'editor' | 'file' }> = [];
    if (doc) items.push({ label: `$(file-text) ${editorLabel(doc)}`, description: 'the active editor\'s text', choice: 'editor' });
    items.push({ label: '$(folder-opened) Choose a text file…', choice: 'file' });
    pick = (await vscode.window.showQuickPick(items, { title: 'Evaluate perplexity on which text?' }))?.choice;
    if (!pick) return undefined;
  }
  if (pick === 'editor') {
    if (!doc) {
      void vscode.window.showWarningMessage('BitNet: no text editor is open. Open a text, or choose a file.');
      return undefined;
    }
    const text = doc.getText();
    if (text.length > MAX_EDITOR_CHARS) {
      void vscode.window.showWarningMessage(`BitNet: ${editorLabel(doc)} holds ${text.length.toLocaleString('en-US')} characters; choose it as a file instead (read in the job process).`);
      return undefined;
    }
    return { text, label: editorLabel(doc) };
  }
  const picked = await vscode.window.showOpenDialog({ title: 'Text to evaluate perplexity on', canSelectMany: false, filters: { Text: ['txt', 'md', 'text', 'jsonl', 'csv', 'py', 'ts', 'js'], 'All files': ['*'] } });
  const uri = picked?.[0];
  return uri ? { file: uri.fsPath } : undefined;
}

function editorLabel(doc: vscode.TextDocument): string {
  return doc.isUntitled ? doc.uri.path : basename(doc.uri.fsPath);
}
