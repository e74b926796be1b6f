/**
 * Commands that hand a whole job to the job process: quantize, compare,
 * diff, energy report, train, fine-tune. Each asks for its inputs (or takes
 * them as arguments), shows cancellable progress, lists itself in the Jobs
 * view, and opens the result as JSON. A kind the engine build lacks fails
 * with a plain "not available in this build" message.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { JobRequest } from '../../protocol/jobs.js';
import { JobError } from '../../jobs/client.js';
import type { Services } from '../services.js';
import { pickCheckpoint, uriOf } from './target.js';

type EngineRequest = Exclude<JobRequest, { kind: 'open' | 'analyze' }>;

/** Optional arguments every engine command accepts (tests, keybindings, other extensions). */
export interface EngineArgs {
  output?: string;
  other?: string;
  options?: Record<string, unknown>;
  /** Do not open the result in an editor. */
  quiet?: boolean;
}

const TERNARY_FORMATS = [
  { label: 'gguf-tq2_0', detail: 'GGUF TQ2_0 — 2.06 bits per weight, llama.cpp upstream' },
  { label: 'gguf-tq1_0', detail: 'GGUF TQ1_0 — 1.69 bits per weight, llama.cpp upstream' },
  { label: 'gguf-i2_s', detail: 'GGUF I2_S — microsoft/BitNet (bitnet.cpp) layout' },
  { label: 'hf-bitnet', detail: 'safetensors, HF transformers BitNet packing (4 codes per byte)' },
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
      return request ? runEngineJob(s, request, args) : undefined;
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
        const ext = format.startsWith('gguf') || ['tq2_0', 'tq1_0', 'i2_s'].includes(format) ? 'gguf' : 'safetensors';
        const stem = input.replace(/(\.safetensors\.index\.json|\.safetensors|\.gguf)$/, '');
        const output = args.output ?? (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(`${stem}.${format.replace(/^gguf-/, '')}.${ext}`) }))?.fsPath;
        if (!output) return undefined;
        return { kind: 'quantize', input, output, options: { ...readMethod(), ...args.options, format } };
      },
      'quantizing',
    ),
    reg('bitnetLab.compare', async (arg, args) => {
      const path = await inputPath(arg, s, 'Compare BitNet against full precision for which checkpoint?');
      return path ? { kind: 'compare', path, options: { ...readMethod(), ...args.options } } : undefined;
    }),
    reg('bitnetLab.compareCheckpoints', async (arg, args) => {
      const a = await inputPath(arg, s, 'First checkpoint');
      if (!a) return undefined;
      const b = args.other ?? (await pickCheckpoint(`Compare ${basename(a)} with…`))?.fsPath;
      return b ? { kind: 'diff', a, b, options: { ...args.options } } : undefined;
    }),
    reg('bitnetLab.energyReport', async (arg, args) => {
      const path = uriOf(arg)?.fsPath ?? s.registry.active?.path;
      return { kind: 'energy', path, options: { ...args.options } };
    }),
    reg('bitnetLab.train', async (_arg, args) => ({ kind: 'train', options: { ...readMethod(), ...args.options } }), 'training'),
    reg(
      'bitnetLab.finetune',
      async (arg, args) => {
        const path = await inputPath(arg, s, 'Fine-tune which checkpoint?');
        return path ? { kind: 'finetune', path, options: { ...readMethod(), ...args.options } } : undefined;
      },
      'fine-tuning',
    ),
  ];
}

function readMethod(): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration('bitnetLab');
  return { method: c.get('method', 'absmean'), backend: c.get('backend', 'auto') };
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
    case 'energy':
      return r.path ? basename(r.path) : 'model';
    case 'train':
      return String(r.options.model ?? 'model');
  }
}

/** Resolves to the job's value, or undefined when it failed or was cancelled (the user has been told). */
export async function runEngineJob(s: Services, request: EngineRequest, args: EngineArgs = {}): Promise<unknown> {
  const label = labelOf(request);
  const job = s.jobs.start(request, {
    onProgress: (p) => s.tracker.progress(tracked.id, p.done, p.total, p.label),
  });
  const tracked = s.tracker.add(request.kind, label, () => job.cancel());
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BitNet ${request.kind}: ${label}`, cancellable: true },
      async (_progress, token) => {
        token.onCancellationRequested(() => job.cancel());
        return job.result;
      },
    );
    const value = 'value' in result ? result.value : result;
    s.tracker.finish(tracked.id, 'done');
    if (!args.quiet) {
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(value, null, 2) });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
    return value;
  } catch (e) {
    const failure = e instanceof JobError ? e.failure : { code: 'internal', message: String(e) };
    s.tracker.finish(tracked.id, failure.code === 'cancelled' ? 'cancelled' : 'failed', failure.message);
    if (failure.code !== 'cancelled' && !args.quiet) void vscode.window.showErrorMessage(`BitNet ${request.kind}: ${failure.message}`);
    return undefined;
  }
}
