/** bitnetLab.openInspector / analyze / exportReport, and the tree's reveal action. */
import * as vscode from 'vscode';
import { basename, dirname, join } from 'node:path';
import type { AnalysisSettings } from '../../protocol/inspector.js';
import { QUANT_METHOD_LABELS, QUANT_METHODS, isQuantMethod, type QuantMethod } from '../../core/quant/types.js';
import type { CheckpointModel } from '../checkpointModel.js';
import { defaultExportName, writeReport, type ExportFormat } from '../exportReport.js';
import { readAnalysisSettings } from '../settings.js';
import type { Services } from '../services.js';
import { REVEAL_TENSOR_COMMAND } from '../views/checkpointsTree.js';
import { openInInspector, pickCheckpoint, targetModel, uriOf } from './target.js';

export interface AnalyzeArgs {
  method?: string;
  include?: string[];
  exclude?: string[];
  useCache?: boolean;
}

/** What bitnetLab.analyze resolves to (tests and other extensions read it). */
export interface AnalyzeOutcome {
  file: string;
  method: string;
  phase: string;
  cached: boolean;
  tensors: number;
  analysedTensors: number;
  error?: string;
}

export interface ExportArgs {
  format?: ExportFormat;
  /** Where to write; without it the user is asked. */
  output?: string;
}

export function registerInspectCommands(s: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bitnetLab.openInspector', async (arg?: unknown) => {
      const uri = uriOf(arg) ?? (await pickCheckpoint('Open a checkpoint in the BitNet inspector'));
      if (uri) await openInInspector(s, uri);
    }),
    vscode.commands.registerCommand('bitnetLab.analyze', (arg?: unknown, args?: AnalyzeArgs) => analyzeCommand(s, arg, args)),
    vscode.commands.registerCommand('bitnetLab.exportReport', (arg?: unknown, args?: ExportArgs) => exportCommand(s, arg, args)),
    vscode.commands.registerCommand(REVEAL_TENSOR_COMMAND, (path: unknown, name: unknown) => revealTensor(s, path, name)),
  ];
}

async function analyzeCommand(s: Services, arg: unknown, args: AnalyzeArgs = {}): Promise<AnalyzeOutcome | undefined> {
  const model = await targetModel(s, arg, 'Analyse a checkpoint');
  if (!model) return undefined;
  let method: QuantMethod | undefined = args.method !== undefined && isQuantMethod(args.method) ? args.method : undefined;
  if (args.method === undefined) {
    const pick = await vscode.window.showQuickPick(
      QUANT_METHODS.map((m) => ({ label: m, description: m === model.settings.method ? '(current)' : undefined, detail: QUANT_METHOD_LABELS[m] })),
      { title: `Analyse ${model.fileName} with`, placeHolder: 'quantization method' },
    );
    method = pick?.label as QuantMethod | undefined;
  } else if (method === undefined) {
    void vscode.window.showErrorMessage(`BitNet: unknown method "${args.method}" (choose ${QUANT_METHODS.join(', ')})`);
    return undefined;
  }
  if (!method) return undefined;
  const base = readAnalysisSettings();
  const settings: AnalysisSettings = {
    ...base,
    method,
    include: args.include ?? base.include,
    exclude: args.exclude ?? base.exclude,
  };
  await s.analyze(model, settings, { useCache: args.useCache });
  await model.whenIdle();
  return outcomeOf(model);
}

export function outcomeOf(model: CheckpointModel): AnalyzeOutcome {
  const tensors = model.tensorList();
  return {
    file: model.path,
    method: model.settings.method,
    phase: model.phase,
    cached: model.lastCached,
    tensors: tensors.length,
    analysedTensors: tensors.filter((t) => t.stats !== null).length,
    error: model.failure?.message,
  };
}

async function exportCommand(s: Services, arg: unknown, args: ExportArgs = {}): Promise<string | undefined> {
  const model = await targetModel(s, arg, 'Export a BitNet report for');
  if (!model) return undefined;
  return exportModelReport(s, model, args.format, args.output);
}

/** Shared with the inspector's export button. Resolves to the written path. */
export async function exportModelReport(s: Services, model: CheckpointModel, format?: ExportFormat, output?: string): Promise<string | undefined> {
  await model.whenIdle();
  const report = model.report;
  if (!report) {
    void vscode.window.showWarningMessage(`BitNet: ${model.fileName} has no finished analysis to export${model.failure ? ` (${model.failure.message})` : ''}.`);
    return undefined;
  }
  let fmt = format;
  if (!fmt) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'json' as const, detail: 'the report schema, as `bitnet-lab inspect --json` prints it' },
        { label: 'html' as const, detail: 'a self-contained page with the inspector view' },
      ],
      { title: 'Export format' },
    );
    fmt = pick?.label;
  }
  if (!fmt) return undefined;
  let target = output;
  if (!target) {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(dirname(model.path), defaultExportName(basename(model.path), fmt))),
      filters: fmt === 'json' ? { JSON: ['json'] } : { HTML: ['html'] },
    });
    target = uri?.fsPath;
  }
  if (!target) return undefined;
  const bundle = vscode.Uri.joinPath(s.context.extensionUri, 'dist', 'webview', 'inspector.js').fsPath;
  try {
    await writeReport(report, fmt, target, bundle);
  } catch (e) {
    void vscode.window.showErrorMessage(`BitNet: export failed: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  if (!output) void vscode.window.showInformationMessage(`BitNet: report written to ${target}`);
  return target;
}

async function revealTensor(s: Services, path: unknown, name: unknown): Promise<void> {
  if (typeof path !== 'string' || typeof name !== 'string') return;
  let sessions = s.inspector.sessionsFor(path);
  if (sessions.length === 0) {
    await openInInspector(s, vscode.Uri.file(path));
    sessions = s.inspector.sessionsFor(path);
  }
  sessions.at(-1)?.reveal(name);
}
