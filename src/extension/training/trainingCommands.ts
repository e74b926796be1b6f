/**
 * bitnetLab.train and bitnetLab.finetune (the commands about existing runs:
 * runCommands.ts). Train asks for an engine (tfjs, or PyTorch torchrun with a
 * rank count), a model (MNIST MLP, or a character LM on a workspace file or
 * folder) and a budget; fine-tune for data and a budget. The job runs in the
 * job process (a torchrun run: the job process launches torchrun); its
 * metric points stream to a training panel that opens at the start, with
 * the engine, the launch command and the checkpoints as they are written. Checkpoints go to a fresh run folder (runsFolder.ts); a
 * cancelled run's folder is removed by the job. On finish, the panel's
 * buttons and the notification open the checkpoints in the inspector.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RunSummary as TrainedRun } from '../../core/nn/trainer.js';
import type { FinetuneBefore, JobRequest, JobResultOf, JobValueOf } from '../../protocol/jobs.js';
import type { MetricName, MetricPoint, RunName } from '../../protocol/training.js';
import { JobError } from '../../jobs/client.js';
import { removeCrashedWriterTemps } from '../../jobs/crashLeftovers.js';
import { linkProgressCancel } from '../progressCancel.js';
import { INSPECTOR_VIEW_TYPE } from '../inspector/provider.js';
import type { Services } from '../services.js';
import type { EngineArgs } from '../commands/engineJobs.js';
import { SNAPSHOT_FOLDER } from './checkpointSnapshots.js';
import { uriOf } from '../commands/target.js';
import { FINETUNE_TORCHRUN_UNSUPPORTED, localLaunchCommand, pickFinetuneEngine, pickRanks, pickTrainEngine } from './enginePick.js';
import { copyLaunch, overlayRun } from './followRunPanel.js';
import { registerRunCommands } from './runCommands.js';
import { resolvePython } from './pythonPath.js';
import { engineLabel } from './runSummary.js';
import { newRunDir, runsRoot } from './runsFolder.js';
import { TrainingPanel } from './trainingPanel.js';

type TrainingRequest = Extract<JobRequest, { kind: 'train' | 'finetune' }>;

/** How long a cancelled run may take to notice before its process is restarted. */
const CANCEL_GRACE_MS = 3000;

/** Checkpoints a run from the train command writes along the way (the last at its final step). */
const CHECKPOINTS_PER_RUN = 5;

const BUDGETS = [
  { label: '200 steps', description: 'a quick look', steps: 200 },
  { label: '1000 steps', description: 'the LM default', steps: 1000 },
  { label: '1500 steps', description: 'the MNIST default', steps: 1500 },
  { label: '5000 steps', description: 'longer', steps: 5000 },
];

export function registerTrainingCommands(s: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bitnetLab.train', async (_arg?: unknown, args: EngineArgs = {}) => {
      if (!(await trusted('training'))) return undefined;
      const o = { ...args.options };
      // The MNIST MLP trains on tfjs only; a caller that prompts nothing (quiet) gets tfjs unless it names torchrun.
      o.engine ??= o.model === 'mlp' || args.quiet ? 'tfjs' : await pickTrainEngine();
      if (o.engine === undefined) return undefined;
      if (o.engine === 'torchrun') {
        if (o.model === 'mlp') {
          void vscode.window.showErrorMessage('BitNet: the PyTorch (torchrun) engine trains the character LM; the MNIST MLP trains on tfjs.');
          return undefined;
        }
        o.model = 'lm';
        o.nproc ??= await pickRanks();
        if (o.nproc === undefined) return undefined;
        o.python ??= (await resolvePython()).path;
      }
      if (o.model === undefined) {
        const pick = await vscode.window.showQuickPick(
          [
            { label: 'MNIST MLP', description: '784-256-256-10 on 10,000 real digits', model: 'mlp' },
            { label: 'Character LM', description: 'a small transformer on a text file or folder of the workspace', model: 'lm' },
          ],
          { title: 'Train BitNet b1.58 (and its full-precision twin): which model?' },
        );
        if (!pick) return undefined;
        o.model = pick.model;
      }
      if (o.model === 'lm' && o.data === undefined) {
        const picked = await vscode.window.showOpenDialog({
          title: 'Text to train the character LM on (a file or a folder)',
          canSelectFiles: true,
          canSelectFolders: true,
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        });
        if (!picked?.[0]) return undefined;
        o.data = picked[0].fsPath;
      }
      if (o.steps === undefined) {
        const b = await vscode.window.showQuickPick(BUDGETS, { title: 'Training budget' });
        if (!b) return undefined;
        o.steps = b.steps;
      }
      // A few checkpoints along the way: the Jobs view lists each as it is written, and any two diff.
      if (typeof o.steps === 'number') o.checkpointEvery ??= Math.max(1, Math.floor(o.steps / CHECKPOINTS_PER_RUN));
      const ownsOut = o.out === undefined;
      o.out ??= newRunDir(runsDir(s), String(o.model));
      return runTraining(s, { kind: 'train', options: { ...readBackend(), ...o } }, args, ownsOut);
    }),
    vscode.commands.registerCommand('bitnetLab.finetune', async (arg?: unknown, args: EngineArgs = {}) => {
      if (!(await trusted('fine-tuning'))) return undefined;
      const path = uriOf(arg)?.fsPath ?? s.registry.active?.path ?? (await vscode.window.showOpenDialog({ title: 'Fine-tune which checkpoint?', filters: { safetensors: ['safetensors'] } }))?.[0]?.fsPath;
      if (!path) return undefined;
      const o = { ...args.options };
      const engine = o.engine ?? (args.quiet ? 'tfjs' : await pickFinetuneEngine());
      if (engine === undefined) return undefined;
      if (engine === 'torchrun') {
        void vscode.window.showWarningMessage(`BitNet: ${FINETUNE_TORCHRUN_UNSUPPORTED}`);
        return undefined;
      }
      delete o.engine;
      if (o.data === undefined) {
        const pick = await vscode.window.showQuickPick(
          [
            { label: 'MNIST', description: 'for an MLP classifier', data: 'mnist' },
            { label: 'Text file or folder…', description: 'for a character LM', data: '' },
          ],
          { title: `Fine-tune ${basename(path)} quantization-aware on…` },
        );
        if (!pick) return undefined;
        o.data = pick.data || (await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri }))?.[0]?.fsPath;
        if (!o.data) return undefined;
      }
      if (o.steps === undefined) {
        const b = await vscode.window.showQuickPick([{ label: '100 steps', steps: 100 }, { label: '300 steps', steps: 300 }, { label: '1000 steps', steps: 1000 }], { title: 'Fine-tuning budget' });
        if (!b) return undefined;
        o.steps = b.steps;
      }
      const ownsOut = o.out === undefined;
      o.out ??= newRunDir(runsDir(s), 'finetune');
      // Fine-tuning keeps the checkpoint's quantizer: only the backend setting applies.
      return runTraining(s, { kind: 'finetune', path, options: { backend: readBackend().backend as never, ...o } }, args, ownsOut);
    }),
    ...registerRunCommands(s),
  ];
}

export function runsDir(s: Services): string {
  return runsRoot(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, s.context.globalStorageUri.fsPath);
}

function readBackend(): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration('bitnetLab');
  return { method: c.get('method', 'absmean'), backend: c.get('backend', 'auto') };
}

async function trusted(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const ok = await vscode.window.showWarningMessage(`BitNet: ${action} writes files and runs long jobs. Trust this workspace first.`, 'Manage Workspace Trust');
  if (ok) void vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

function openInInspector(path: string): void {
  void vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(path), INSPECTOR_VIEW_TYPE);
}

function titleOf(r: TrainingRequest): string {
  if (r.kind === 'finetune') return `QAT fine-tune: ${basename(r.path)}`;
  const what = r.options.baseline === false ? 'BitNet b1.58' : 'BitNet vs FP';
  return r.options.model === 'lm' ? `Char LM on ${basename(String(r.options.data ?? ''))} — ${what}` : `MNIST MLP — ${what}`;
}

const fmtMetric = (name: MetricName, v: number): string => (name === 'accuracy' ? `${(100 * v).toFixed(2)} %` : v.toFixed(2));

/**
 * Resolves to the job's result, or undefined when it failed or was cancelled
 * (the user has been told). `ownsOut`: the run folder was made up here, so an
 * unfinished one may be removed (never a folder the caller named).
 */
async function runTraining(s: Services, request: TrainingRequest, args: EngineArgs, ownsOut: boolean): Promise<JobValueOf<TrainingRequest['kind']> | undefined> {
  const isMnist = (request.kind === 'train' && request.options.model !== 'lm') || request.options.data === 'mnist';
  const metricName: MetricName = isMnist ? 'accuracy' : 'perplexity';
  const runs: RunName[] = request.kind === 'finetune' || request.options.baseline === false ? ['bitnet'] : ['bitnet', 'fp'];
  const steps = typeof request.options.steps === 'number' ? request.options.steps : 0;
  // The panel exists before the job (it must catch the first points); its Cancel button reaches the job through this.
  let cancelJob: () => void = () => {};
  const panel = TrainingPanel.create(s.context.extensionUri, { title: titleOf(request), metricName, runs, totalSteps: steps, config: request.options }, {
    onCancel: () => cancelJob(),
    openCheckpoint: openInInspector,
  });
  const out = typeof request.options.out === 'string' ? request.options.out : undefined;
  // Only training from scratch has an engine choice (fine-tuning runs on tfjs).
  const trainOptions = request.kind === 'train' ? request.options : undefined;
  const torchrun = trainOptions?.engine === 'torchrun';
  const nproc = trainOptions?.nproc ?? 1;
  const engine = torchrun ? `PyTorch torchrun · ${nproc} rank${nproc === 1 ? '' : 's'}` : engineLabel('tfjs', undefined, request.options.backend);
  const launch = torchrun && out ? localLaunchCommand(out, trainOptions?.python ?? 'python3', nproc) : undefined;
  panel.setRunInfo(
    { engine, ...(out ? { folder: out } : {}), ...(launch ? { launch, slurm: true } : {}), cancellable: true },
    {
      onCopyLaunch: () => void copyLaunch(launch),
      onSlurmScript: () => void vscode.commands.executeCommand('bitnetLab.saveSlurmScript', out),
      onOverlayRun: () => void overlayRun(s, panel),
    },
  );
  if (out) s.liveRuns?.watch(out, basename(out), engine, runs);
  let before: FinetuneBefore | undefined;
  const running = s.jobs.start<TrainingRequest['kind']>(request, {
    onProgress: (p) => s.tracker.progress(tracked.id, p.done, p.total, p.label),
    onMetrics: (run: RunName, points: MetricPoint[]) => panel.addMetrics(run, points),
    onFinetuneBefore: (b) => {
      before = b;
      if (b.metricName !== metricName) panel.setMetricName(b.metricName);
      panel.setFinetune({ metricName: b.metricName, before: b });
    },
  });
  // The training loop reads the cancel between steps only if it yields to the event loop; if it
  // has not stopped after a grace period, the job process is restarted (see JobClient.cancelOrKill).
  cancelJob = () => running.cancelOrKill(CANCEL_GRACE_MS);
  // The process that runs this job: a crash leaves its temp files (crashLeftovers.ts).
  const pid = s.jobs.pid;
  const label = request.kind === 'finetune' ? basename(request.path) : `${String(request.options.model)} · ${steps} steps`;
  const tracked = s.tracker.add(request.kind, label, () => cancelJob());
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BitNet ${request.kind}: ${label}`, cancellable: true },
      async (_p, token) => {
        const link = linkProgressCancel(tracked.id, token, () => cancelJob());
        try {
          return await running.result;
        } finally {
          link.dispose();
        }
      },
    );
    const summaries = summariesOf(result);
    const checkpoints: Partial<Record<RunName, string>> = {};
    for (const run of runs) {
      const c = summaries[run]?.checkpoint;
      if (c) checkpoints[run] = c;
    }
    const b = summaries.bitnet;
    if (before && b) panel.setFinetune({ metricName: before.metricName, before, after: { valLoss: b.finalValLoss, metric: b.finalValMetric } });
    const line = runs
      .map((r) => summaries[r])
      .map((x, i) => (x ? `${runs[i] === 'bitnet' ? 'BitNet' : 'FP'} ${x.metricName} ${fmtMetric(x.metricName, x.finalValMetric)}` : ''))
      .filter(Boolean)
      .join(' vs ');
    panel.setStatus('done', line, checkpoints);
    panel.setRunInfo({ ...panel.info!, engine: engineRan(result) });
    if (out) await s.liveRuns?.end(out);
    s.tracker.finish(tracked.id, 'done', line);
    s.onRunsChanged?.();
    if (!args.quiet) {
      const actions = (Object.keys(checkpoints) as RunName[]).map((r) => (r === 'bitnet' ? 'Open BitNet checkpoint' : 'Open FP checkpoint'));
      void vscode.window.showInformationMessage(`BitNet ${request.kind} finished: ${line}`, ...actions).then((choice) => {
        if (choice === 'Open BitNet checkpoint' && checkpoints.bitnet) openInInspector(checkpoints.bitnet);
        if (choice === 'Open FP checkpoint' && checkpoints.fp) openInInspector(checkpoints.fp);
      });
    }
    return result.value;
  } catch (e) {
    const failure = e instanceof JobError ? e.failure : { code: 'internal', message: String(e) };
    const cancelled = failure.code === 'cancelled';
    if (out) await s.liveRuns?.halt(out);
    // No partial checkpoint: the job removes the run folder it created, but not when it had to be killed.
    if (ownsOut && (cancelled || failure.code === 'crash')) await removeUnfinishedRun(request.options.out);
    // A folder the caller named keeps its finished files; only the dead writer's temp files go.
    else if (failure.code === 'crash' && typeof request.options.out === 'string') await removeCrashedWriterTemps(request.options.out, pid);
    // Copies of checkpoints the stopped run itself removed (tfjs removes its own on cancel) go too.
    if (out && existsSync(out) && !existsSync(join(out, 'bitnet.safetensors'))) await rm(join(out, SNAPSHOT_FOLDER), { recursive: true, force: true }).catch(() => undefined);
    if (out && (!existsSync(out) || !existsSync(join(out, SNAPSHOT_FOLDER)))) s.liveRuns?.remove(out);
    panel.setStatus(cancelled ? 'cancelled' : 'error', cancelled ? 'no checkpoint was written' : failure.message);
    s.tracker.finish(tracked.id, cancelled ? 'cancelled' : 'failed', failure.message);
    if (!cancelled && !args.quiet) void vscode.window.showErrorMessage(`BitNet ${request.kind}: ${failure.message}`);
    return undefined;
  }
}

async function removeUnfinishedRun(out: unknown): Promise<void> {
  if (typeof out !== 'string' || existsSync(join(out, 'run.json'))) return;
  await rm(out, { recursive: true, force: true }).catch(() => undefined);
}

/** The engine as the finished run reports it: the backend tfjs chose, or torchrun's ranks and process group. */
function engineRan(result: JobResultOf<TrainingRequest['kind']>): string {
  const r = result.value;
  if ('worldSize' in r) return engineLabel('torchrun', r.worldSize, r.backend, r.distBackend);
  return engineLabel('tfjs', undefined, r.backend);
}

/** The summary of each run a finished job trained (fine-tuning trains the BitNet run only). */
function summariesOf(result: JobResultOf<TrainingRequest['kind']>): Partial<Record<RunName, TrainedRun>> {
  if (result.kind === 'finetune') return { bitnet: result.value.after };
  return { bitnet: result.value.runs.bitnet, fp: result.value.runs.fp };
}
