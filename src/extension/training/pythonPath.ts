/**
 * The interpreter for torchrun runs (pythonChoice.ts decides; this file asks
 * VS Code). The Python extension's environments API: `getActiveEnvironmentPath`
 * then `resolveEnvironment` for the executable (ms-python.python's
 * `PythonExtension.environments`). Any failure there falls through to the
 * next choice: detection is a convenience, never an error.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { choosePython, type PythonChoice } from './pythonChoice.js';

const PYTHON_EXTENSION = 'ms-python.python';
/** The Python extension can take a while to activate; past this we do without it. */
const DETECT_TIMEOUT_MS = 5000;

interface EnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
  resolveEnvironment(env: { id: string; path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
}

async function fromPythonExtension(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<{ environments?: EnvironmentsApi }>(PYTHON_EXTENSION);
  if (!ext) return undefined;
  const detect = async (): Promise<string | undefined> => {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const envs = api?.environments;
    if (!envs) return undefined;
    const active = envs.getActiveEnvironmentPath(resource);
    const resolved = await envs.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  };
  try {
    return await Promise.race([detect(), new Promise<undefined>((r) => setTimeout(() => r(undefined), DETECT_TIMEOUT_MS))]);
  } catch {
    return undefined;
  }
}

export async function resolvePython(): Promise<PythonChoice> {
  const setting = vscode.workspace.getConfiguration('bitnetLab').get<string>('pythonPath', '');
  const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
  const detected = setting.trim() === '' ? await fromPythonExtension(resource) : undefined;
  return choosePython(setting, detected, existsSync);
}
