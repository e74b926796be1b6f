/**
 * Export of a report panel: the JSON report and the self-contained HTML page
 * (the panel's bundle inline), side by side, each written atomically. The
 * save dialog picks the name; both files share its stem.
 */
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/formats/atomicWrite.js';
import type { ReportPanelKind } from '../../protocol/panels.js';
import { exportPaths, type ReportKind, type ReportOf } from './reportKinds.js';

/** Returns the written paths, or undefined when the user cancelled the dialog. */
export async function exportPanelReport<K extends ReportPanelKind>(
  extensionUri: vscode.Uri,
  kind: ReportKind<K>,
  report: ReportOf<K>,
  output?: string,
  near?: string,
): Promise<string[] | undefined> {
  let chosen = output;
  if (chosen === undefined) {
    const folder = near ? dirname(near) : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const uri = await vscode.window.showSaveDialog({
      title: 'Export report (JSON and HTML with the same name)',
      defaultUri: vscode.Uri.file(folder ? join(folder, `${kind.exportStem(report)}.html`) : `${kind.exportStem(report)}.html`),
      filters: { 'HTML + JSON': ['html', 'json'] },
    });
    if (!uri) return undefined;
    chosen = uri.fsPath;
  }
  const paths = exportPaths(chosen);
  const bundle = await readFile(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${kind.entry}.js`).fsPath, 'utf8');
  await writeFileAtomic(paths.json, JSON.stringify(report, null, 2) + '\n');
  await writeFileAtomic(paths.html, kind.html(report, bundle));
  return [paths.json, paths.html];
}
