/**
 * BitNet: Open Training Run… — a folder holding our metrics.jsonl (either
 * engine, running or finished) or the TensorBoard event files of any trainer,
 * shown as live curves: the folder is polled (core/runs/follow.ts) while the
 * panel is open, so a run still training draws as it goes. Also "Overlay a
 * run…": another run's curves over the panel's own, to compare engines.
 */
import * as vscode from 'vscode';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { followRun, readRun, METRICS_FILE } from '../../core/runs/follow.js';
import { isEventFileName } from '../../core/runs/tfevents.js';
import type { MetricName, MetricPoint, RunName } from '../../protocol/training.js';
import { INSPECTOR_VIEW_TYPE } from '../inspector/provider.js';
import type { Services } from '../services.js';
import { EXTERNAL_RUN, FollowedPoints } from './followedPoints.js';
import { readRunSummary } from './runSummary.js';
import { listRuns } from './runsFolder.js';
import { TrainingPanel } from './trainingPanel.js';
import { runsDir } from './trainingCommands.js';

const POLL_MS = 500;

function openInInspector(path: string): void {
  void vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(path), INSPECTOR_VIEW_TYPE);
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A folder, or the folder of a metrics.jsonl / event file the user picked; throws a one-line error otherwise. */
export function runFolderOf(path: string): string {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (statSync(path).isDirectory()) return path;
  const name = basename(path);
  if (name === METRICS_FILE || isEventFileName(name)) return dirname(path);
  throw new Error(`${path}: not a training run — pick a folder holding metrics.jsonl or TensorBoard event files (events.out.tfevents.*)`);
}

export async function pickRunFolder(title: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectFolders: true,
    canSelectFiles: true,
    canSelectMany: false,
    openLabel: 'Open Training Run',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0]?.fsPath;
}

/** Opens a panel following `path` until the panel is closed. */
export async function followTrainingRun(s: Services, path: string): Promise<TrainingPanel | undefined> {
  let dir: string;
  try {
    dir = runFolderOf(path);
  } catch (e) {
    void vscode.window.showErrorMessage(`BitNet: cannot open the training run: ${message(e)}`);
    return undefined;
  }
  const summary = await readRunSummary(dir);
  const ours = existsSync(join(dir, METRICS_FILE)) || summary !== undefined;
  const panel = TrainingPanel.create(s.context.extensionUri, { title: `Run ${basename(dir)}`, metricName: 'perplexity', runs: ['bitnet', 'fp'], totalSteps: summary?.steps ?? 0 }, { openCheckpoint: openInInspector });
  panel.setRunInfo(
    {
      engine: summary?.engine ?? (ours ? 'metrics.jsonl' : 'TensorBoard event files'),
      folder: dir,
      cancellable: false,
      ...(summary?.launch ? { launch: summary.launch } : {}),
      // Our torchrun folders are self-contained: the same folder trains on a cluster.
      slurm: existsSync(join(dir, 'train_bitnet.py')) && existsSync(join(dir, 'job.json')),
    },
    {
      onCopyLaunch: () => void copyLaunch(summary?.launch),
      onOverlayRun: () => void overlayRun(s, panel),
      onSlurmScript: () => void vscode.commands.executeCommand('bitnetLab.saveSlurmScript', dir),
    },
  );
  const finished = summary?.finished === true;
  panel.setStatus(finished ? 'done' : 'running', finished ? 'finished run, read from its folder' : `following ${dir} — the curves grow as the files do`, summary?.checkpoints);

  const stop = new AbortController();
  panel.panel.onDidDispose(() => stop.abort());
  const convert = new FollowedPoints();
  let metricName: MetricName | undefined;
  let external = false;
  void followRun(
    dir,
    (u) => {
      const up = convert.apply(u);
      if (up.source === 'events' && !external) {
        external = true;
        panel.setRunInfo({ ...panel.info!, engine: 'TensorBoard event files', labels: { [EXTERNAL_RUN]: 'scalars' } });
      }
      if (up.reset) panel.reset();
      for (const { run, points } of up.add) {
        const e = points.find((p) => p.kind === 'eval');
        if (e?.kind === 'eval' && e.metricName !== metricName) panel.setMetricName((metricName = e.metricName));
        panel.addMetrics(run, points);
      }
    },
    { signal: stop.signal, intervalMs: POLL_MS },
  ).catch((e: unknown) => {
    // Not an event file, a corrupt record, an unreadable folder: said once, on the page and in a notification.
    panel.setStatus('error', message(e));
    void vscode.window.showErrorMessage(`BitNet: ${message(e)}`);
  });
  return panel;
}

export async function copyLaunch(command: string | undefined): Promise<void> {
  if (!command) return;
  await vscode.env.clipboard.writeText(command);
  void vscode.window.showInformationMessage('BitNet: launch command copied — paste it in a terminal on a machine with PyTorch.');
}

/** "Overlay a run…": pick a past run (or any run folder) and draw its curves over the panel's. */
export async function overlayRun(s: Services, panel: TrainingPanel, dirArg?: string): Promise<void> {
  let dir = dirArg;
  if (dir === undefined) {
    const past = await listRuns(runsDir(s));
    const choose = { label: '$(folder-opened) Choose a run folder…', dir: '' };
    const pick = await vscode.window.showQuickPick(
      [...past.map((r) => ({ label: r.name, description: [r.model, r.steps !== undefined ? `${r.steps} steps` : undefined].filter(Boolean).join(' · '), dir: r.dir })), choose],
      { title: 'Overlay which run on these curves?' },
    );
    if (!pick) return;
    dir = pick.dir || (await pickRunFolder('Overlay the curves of which run?'));
    if (!dir) return;
  }
  try {
    const folder = runFolderOf(dir);
    const summary = await readRunSummary(folder);
    const u = await readRun(folder);
    const up = new FollowedPoints().apply(u);
    if (up.add.length === 0) throw new Error(`${folder}: no metric points yet`);
    const label = `${summary?.engine ?? 'external'} · ${basename(folder)}`;
    for (const { run, points } of up.add) panel.addOverlay({ label, run: run as RunName, points: points as MetricPoint[] });
  } catch (e) {
    void vscode.window.showErrorMessage(`BitNet: cannot overlay ${basename(dir)}: ${message(e)}`);
  }
}
