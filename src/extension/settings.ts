/** The `bitnetLab.*` settings, read fresh each time (the user may change them between analyses). */
import * as vscode from 'vscode';
import type { AnalysisSettings } from '../protocol/inspector.js';
import { isQuantMethod } from '../core/quant/types.js';
import { BACKEND_PREFERENCES } from '../core/backend.js';

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.length > 0) : [];
}

export function readAnalysisSettings(): AnalysisSettings {
  const c = vscode.workspace.getConfiguration('bitnetLab');
  const method = c.get<string>('method', 'absmean');
  const backend = c.get<string>('backend', 'auto');
  return {
    method: isQuantMethod(method) ? method : 'absmean',
    include: stringArray(c.get('include')),
    exclude: stringArray(c.get('exclude')),
    backend: (BACKEND_PREFERENCES as readonly string[]).includes(backend) ? backend : 'auto',
  };
}
