/**
 * Commands about runs rather than starting one: BitNet: Open Training Run…
 * (follow a folder), overlay another run on a training panel, save a SLURM
 * script for a torchrun folder, and diff two checkpoints a run has written
 * (the Jobs view's inline action).
 */
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../services.js';
import type { Snapshot } from './checkpointSnapshots.js';
import { saveSlurmScript, type SlurmArgs } from './enginePick.js';
import { followTrainingRun, overlayRun, pickRunFolder } from './followRunPanel.js';
import type { PastRun } from './runsFolder.js';
import { TrainingPanel } from './trainingPanel.js';

export function registerRunCommands(s: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bitnetLab.openTrainingRun', async (arg?: PastRun | string | vscode.Uri) => {
      const dir = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : (arg?.dir ?? (await pickRunFolder('Open Training Run: a folder with metrics.jsonl or TensorBoard event files')));
      if (!dir) return undefined;
      return followTrainingRun(s, dir);
    }),
    /** A torchrun run folder's sbatch script (the training panel's "SLURM script…" button; args skip the prompts). */
    vscode.commands.registerCommand('bitnetLab.saveSlurmScript', async (dir?: string, args: SlurmArgs & { batchSize?: number } = {}) => {
      const folder = dir ?? (TrainingPanel.all().find((p) => p.panel.active)?.info?.folder);
      if (!folder) return undefined;
      return saveSlurmScript(folder, args.batchSize ?? (await batchSizeOf(folder)), args);
    }),
    /** Another run's curves over the focused training panel's (the page's "Overlay a run…" button; a folder skips the pick). */
    vscode.commands.registerCommand('bitnetLab.overlayTrainingRun', async (dir?: string) => {
      const panels = TrainingPanel.all();
      const panel = panels.find((p) => p.panel.active) ?? panels.at(-1);
      if (!panel) {
        void vscode.window.showInformationMessage('BitNet: open a training panel first (train, or Open Training Run…), then overlay another run on it.');
        return undefined;
      }
      await overlayRun(s, panel, dir);
      return panel.overlayLabels;
    }),
    /** Jobs view: a checkpoint of a run, diffed with another one of the same run (flip rate between the two steps). */
    vscode.commands.registerCommand('bitnetLab.diffRunCheckpoint', async (node?: { checkpoint?: Snapshot; dir?: string }, other?: string) => {
      const a = node?.checkpoint;
      const run = node?.dir !== undefined ? s.liveRuns?.get(node.dir) : undefined;
      if (!a || !run) return undefined;
      let b = other;
      if (b === undefined) {
        const others = run.checkpoints.filter((c: Snapshot) => c.path !== a.path);
        if (others.length === 0) {
          void vscode.window.showInformationMessage('BitNet: this run has written one checkpoint so far; diff it when there is a second.');
          return undefined;
        }
        b = (await vscode.window.showQuickPick(others.map((c: Snapshot) => ({ label: `${c.run === 'bitnet' ? 'BitNet b1.58' : 'full precision'} · step ${c.step}`, path: c.path })), { title: `Diff step ${a.step} with…` }))?.path;
      }
      if (!b) return undefined;
      return vscode.commands.executeCommand('bitnetLab.compareCheckpoints', vscode.Uri.file(a.path), { other: b });
    }),
  ];
}

/** The batch size a prepared torchrun folder trains with (job.json), for checking a SLURM shape against it. */
async function batchSizeOf(dir: string): Promise<number> {
  try {
    const job = JSON.parse(await readFile(join(dir, 'job.json'), 'utf8')) as { batchSize?: unknown };
    return typeof job.batchSize === 'number' ? job.batchSize : 1;
  } catch {
    return 1;
  }
}
