/**
 * Commands that hand a whole job to the job process: quantize, compare,
 * diff, energy report (train and fine-tune: training/trainingCommands.ts). Each asks for its inputs (or takes
 * them as arguments), shows cancellable progress, lists itself in the Jobs
 * view. Compare, energy and diff open their report panel when the job starts
 * (progress in it, then the report); the others open the result as JSON.
 * A kind the engine build lacks fails with a plain "not available in this build" message.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import type { ProcessNode } from '../../core/analysis/energy.js';
import type { JobRequest, JobValueOf } from '../../protocol/jobs.js';
import type { ReportPanelKind } from '../../protocol/panels.js';
import { JobError } from '../../jobs/client.js';
import { removeCrashedWriterTemps } from '../../jobs/crashLeftovers.js';
import { linkProgressCancel } from '../progressCancel.js';
import type { ReportOf } from '../panels/reportKinds.js';
import type { ReportPanel } from '../panels/reportPanel.js';
import type { Services } from '../services.js';
import { pickCheckpoint, uriOf } from './target.js';

type EngineRequest = Exclude<JobRequest, { kind: 'open' | 'analyze' }>;
type EngineKind = EngineRequest['kind'];

/** Optional arguments every engine command accepts (tests, keybindings, other extensions). */
export interface EngineArgs {
  output?: string;
  other?: string;
  options?: Record<string, unknown>;
  /** Do not open the result in an editor or panel, and do not prompt. */
  quiet?: boolean;
}

/** Where a job's progress and outcome go besides the Jobs view and the notification. */
export interface JobSink<T = unknown> {
  progress(done: number, total: number, label?: string): void;
  /** The job's value, checked on receipt against its kind's schema (src/protocol/jobs.ts). */
  done(value: T): void;
  fail(message: string, cancelled: boolean): void;
  /** Called once the job is under way, with the way to cancel it (the sink's own Cancel button). */
  started?(cancel: () => void): void;
}

const PANEL_OF: Partial<Record<EngineRequest['kind'], ReportPanelKind>> = { compare: 'compare', energy: 'energy', diff: 'diff' };

const PROCESS_NODES = [
  { label: '7nm', detail: 'the b1.58 paper\'s energy table (71.4× headline)' },
  { label: '45nm', detail: 'Horowitz, ISSCC 2014' },
];

const TERNARY_FORMATS = [
  { label: 'gguf-tq2_0', detail: 'GGUF TQ2_0 — 2.06 bits per weight, llama.cpp upstream' },
  { label: 'gguf-tq1_0', detail: 'GGUF TQ1_0 — 1.69 bits per weight, llama.cpp upstream' },
  { label: 'gguf-i2_s', detail: 'GGUF I2_S — microsoft/BitNet (bitnet.cpp) layout' },
  { label: 'gguf-f16', detail: 'GGUF F16 — the unquantized baseline, llama.cpp upstream' },
  { label: 'hf-bitnet', detail: 'a model folder: safetensors with HF transformers BitNet packing (4 codes per byte), config.json, tokenizer' },
  { label: 'fake-quant', detail: 'safetensors, ternary values stored as floats (for frameworks without packed kernels)' },
];

/** Workspace trust: writing files and training are off in Restricted Mode unless the user agrees. */
async function trusted(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const ok = await vscode.window.showWarningMessage(`BitNet: ${action} writes files and runs long jobs. Trust this workspace first.`, 'Manage Workspace Trust');
  if (ok) void vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

async function inputPath(arg: unknown, s: Services, title: string): Promise<string | undefined> {
  return (uriOf(arg) ?? (s.registry.active ? vscode.Uri.file(s.registry.active.path) : await pickCheckpoint(title)))?.fsPath;
}

export function registerEngineCommands(s: Services): vscode.Disposable[] {
  const reg = (id: string, build: (arg: unknown, args: EngineArgs) => Promise<EngineRequest | undefined>, needsTrust?: string) =>
    vscode.commands.registerCommand(id, async (arg?: unknown, args: EngineArgs = {}) => {
      if (needsTrust && !(await trusted(needsTrust))) return undefined;
      const request = await build(arg, args);
      if (!request) return undefined;
      const panelKind = PANEL_OF[request.kind];
      if (panelKind === undefined || args.quiet) return runEngineJob(s, request, args);
      return runEngineJob(s, request, { ...args, quiet: true }, panelSink(s, panelKind, labelOf(request)));
    });

  return [
    reg(
      'bitnetLab.quantize',
      async (arg, args) => {
        const input = await inputPath(arg, s, 'Quantize which checkpoint?');
        if (!input) return undefined;
        let format = args.options?.format as string | undefined;
        format ??= (await vscode.window.showQuickPick(TERNARY_FORMATS, { title: 'Ternary format' }))?.label;
        if (!format) return undefined;
        // An HF export is a folder (model, config.json, tokenizer files); the others are one file.
        const ext = format === 'hf-bitnet' ? '' : format.startsWith('gguf') || ['tq2_0', 'tq1_0', 'i2_s', 'f16'].includes(format) ? '.gguf' : '.safetensors';
        const stem = input.replace(/(\.safetensors\.index\.json|\.safetensors|\.gguf)$/, '');
        const output = args.output ?? (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(`${stem}.${format.replace(/^gguf-/, '')}${ext}`) }))?.fsPath;
        if (!output) return undefined;
        return { kind: 'quantize', input, output, options: { method: setting('method', 'absmean'), ...args.options, format } };
      },
      'quantizing',
    ),
    reg('bitnetLab.compare', async (arg, args) => {
      const path = await inputPath(arg, s, 'Compare BitNet against full precision for which checkpoint?');
      return path ? { kind: 'compare', path, options: { backend: setting('backend', 'auto'), ...args.options } } : undefined;
    }),
    reg('bitnetLab.compareCheckpoints', async (arg, args) => {
      const a = await inputPath(arg, s, 'First checkpoint');
      if (!a) return undefined;
      const b = args.other ?? (await pickCheckpoint(`Compare ${basename(a)} with…`))?.fsPath;
      return b ? { kind: 'diff', a, b, options: { ...args.options } } : undefined;
    }),
    reg('bitnetLab.energyReport', async (arg, args) => {
      const path = args.quiet ? (uriOf(arg)?.fsPath ?? s.registry.active?.path) : await inputPath(arg, s, 'Energy report for which checkpoint?');
      if (!args.quiet && !path) return undefined;
      // Same knobs as `bitnet-lab energy`: process node (7nm | 45nm) and token count (engine default when absent).
      let node = args.options?.node as ProcessNode | undefined;
      if (node === undefined && !args.quiet) {
        node = (await vscode.window.showQuickPick(PROCESS_NODES, { title: 'Energy table: process node' }))?.label as ProcessNode | undefined;
        if (!node) return undefined;
      }
      return { kind: 'energy', path, options: { ...args.options, ...(node ? { node } : {}) } };
    }),
  ];
}

/** A setting as the job options take it (checked in the job process: a bad value fails the job with its name). */
function setting(key: 'method' | 'backend', fallback: string): never {
  return vscode.workspace.getConfiguration('bitnetLab').get(key, fallback) as never;
}

function labelOf(r: EngineRequest): string {
  switch (r.kind) {
    case 'quantize':
      return `${basename(r.input)} → ${basename(r.output)}`;
    case 'diff':
      return `${basename(r.a)} ↔ ${basename(r.b)}`;
    case 'compare':
    case 'finetune':
      return basename(r.path);
    case 'eval':
      return `${basename(r.path)} on ${'file' in r.text ? basename(r.text.file) : r.text.label}`;
    case 'generate':
      return `${basename(r.path)} (${r.mode})`;
    case 'energy':
      return r.path ? basename(r.path) : 'model';
    case 'train':
      return String(r.options.model ?? 'model');
  }
}

function panelSink<K extends ReportPanelKind>(s: Services, kind: K, subject: string): JobSink<ReportOf<K>> & { panel: ReportPanel<K> } {
  const panel = s.panels.open(kind, subject);
  return {
    panel,
    progress: (done, total, label) => panel.progress(done, total, label),
    done: (value) => {
      panel.setReport(value);
      s.panels.remember(kind, value);
    },
    fail: (message) => panel.fail(message),
  };
}

/** Folders a job writes its output into, with whether each existed before the job (quantize only: the others write nothing). */
function outputFoldersOf(r: EngineRequest): Array<{ folder: string; existed: boolean }> {
  if (r.kind !== 'quantize') return [];
  // hf-bitnet accepts a folder as output (model.safetensors + config.json inside it).
  const folders = extname(r.output) === '' ? [r.output, dirname(r.output)] : [dirname(r.output)];
  return folders.map((folder) => ({ folder, existed: existsSync(folder) }));
}

async function removeCrashLeftovers(outputs: Array<{ folder: string; existed: boolean }>, pid: number | undefined): Promise<void> {
  for (const { folder, existed } of outputs) {
    await removeCrashedWriterTemps(folder, pid);
    // A folder the dead job created for its output: removed only when nothing is in it.
    if (!existed) await rmdir(folder).catch(() => undefined);
  }
}

/** Resolves to the job's value, or undefined when it failed or was cancelled (the user has been told). */
export async function runEngineJob<K extends EngineKind>(
  s: Services,
  request: Extract<EngineRequest, { kind: K }>,
  args: EngineArgs = {},
  sink?: JobSink<JobValueOf<K>>,
): Promise<JobValueOf<K> | undefined> {
  const label = labelOf(request);
  const job = s.jobs.start(request, {
    onProgress: (p) => {
      s.tracker.progress(tracked.id, p.done, p.total, p.label);
      sink?.progress(p.done, p.total, p.label);
    },
  });
  // start() has just (re)started the job process if needed: this is the pid whose temp files a crash leaves.
  const pid = s.jobs.pid;
  const outputs = outputFoldersOf(request);
  const tracked = s.tracker.add(request.kind, label, () => job.cancel());
  sink?.started?.(() => job.cancel());
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BitNet ${request.kind}: ${label}`, cancellable: true },
      async (_progress, token) => {
        const link = linkProgressCancel(tracked.id, token, () => job.cancel());
        try {
          return await job.result;
        } finally {
          link.dispose();
        }
      },
    );
    const value = result.value;
    s.tracker.finish(tracked.id, 'done');
    sink?.done(value);
    if (!args.quiet) {
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(value, null, 2) });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
    return value;
  } catch (e) {
    const failure = e instanceof JobError ? e.failure : { code: 'internal', message: String(e) };
    // A killed process could not remove its half-written temp files (a cancel or an error did, in the job).
    if (failure.code === 'crash') await removeCrashLeftovers(outputs, pid);
    s.tracker.finish(tracked.id, failure.code === 'cancelled' ? 'cancelled' : 'failed', failure.message);
    sink?.fail(failure.code === 'cancelled' ? 'Cancelled.' : failure.message, failure.code === 'cancelled');
    if (failure.code !== 'cancelled' && !args.quiet) void vscode.window.showErrorMessage(`BitNet ${request.kind}: ${failure.message}`);
    return undefined;
  }
}
