/**
 * Which checkpoint a command acts on: the Uri it was invoked with (Explorer
 * menu, tests), a node of the checkpoints tree, the active inspector, or a
 * file the user picks.
 */
import * as vscode from 'vscode';
import type { CheckpointModel } from '../checkpointModel.js';
import { INSPECTOR_VIEW_TYPE } from '../inspector/provider.js';
import type { Services } from '../services.js';

export const CHECKPOINT_FILTERS: Record<string, string[]> = {
  Checkpoints: ['safetensors', 'json', 'gguf'],
  'All files': ['*'],
};

export function uriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg.length > 0) return vscode.Uri.file(arg);
  const node = arg as { kind?: unknown; path?: unknown } | null | undefined;
  if (typeof node === 'object' && node !== null && typeof node.kind === 'string' && typeof node.path === 'string') {
    return vscode.Uri.file(node.path); // a checkpoints-tree node
  }
  return undefined;
}

export async function pickCheckpoint(title: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: CHECKPOINT_FILTERS });
  return picked?.[0];
}

/** Open (or focus) the inspector for `uri` and return its model. */
export async function openInInspector(s: Services, uri: vscode.Uri): Promise<CheckpointModel | undefined> {
  await vscode.commands.executeCommand('vscode.openWith', uri, INSPECTOR_VIEW_TYPE);
  return s.registry.get(uri.fsPath);
}

export async function targetModel(s: Services, arg: unknown, title: string): Promise<CheckpointModel | undefined> {
  const uri = uriOf(arg);
  if (uri) return s.registry.get(uri.fsPath) ?? (await openInInspector(s, uri));
  if (s.registry.active) return s.registry.active;
  const picked = await pickCheckpoint(title);
  return picked ? openInInspector(s, picked) : undefined;
}
