/**
 * The `bitnetLab.jobs` view: running and finished jobs, with a cancel action
 * on running ones, and a "Past training runs" group listing finished runs of
 * the runs folder (click one to reopen its curves).
 */
import * as vscode from 'vscode';
import type { JobTracker, TrackedJob } from '../jobTracker.js';
import type { Snapshot } from '../training/checkpointSnapshots.js';
import type { LiveRun, LiveRuns } from '../training/liveRuns.js';
import type { PastRun } from '../training/runsFolder.js';

export type JobsNode =
  | { kind: 'job'; job: TrackedJob }
  | { kind: 'runs'; runs: PastRun[] }
  | { kind: 'run'; run: PastRun }
  /** A run of this window and the checkpoints it has written so far. */
  | { kind: 'liveRun'; run: LiveRun }
  | { kind: 'runCheckpoint'; dir: string; checkpoint: Snapshot };

export const RUN_LABEL: Record<Snapshot['run'], string> = { bitnet: 'BitNet b1.58', fp: 'full precision' };

export class JobsTreeProvider implements vscode.TreeDataProvider<JobsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<JobsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: { dispose(): void };
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly liveSubscription: { dispose(): void } | undefined;

  constructor(private readonly tracker: JobTracker, private readonly pastRuns: () => Promise<PastRun[]> = async () => [], private readonly liveRuns?: LiveRuns) {
    this.subscription = tracker.onDidChange(() => this.refresh());
    this.liveSubscription = liveRuns?.onDidChange(() => this.refresh());
  }

  /** Coalesced: progress events arrive many times a second. */
  refresh(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      this.emitter.fire(undefined);
    }, 250);
  }

  dispose(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.subscription.dispose();
    this.liveSubscription?.dispose();
    this.emitter.dispose();
  }

  async getChildren(node?: JobsNode): Promise<JobsNode[]> {
    if (node?.kind === 'runs') return node.runs.map((run) => ({ kind: 'run', run }));
    if (node?.kind === 'liveRun') return node.run.checkpoints.map((checkpoint) => ({ kind: 'runCheckpoint', dir: node.run.dir, checkpoint }));
    if (node) return [];
    const jobs: JobsNode[] = this.tracker.list().map((job) => ({ kind: 'job', job }));
    // Newest run first, above the jobs: its checkpoints are what a user watching a run looks for.
    const live: JobsNode[] = (this.liveRuns?.list() ?? []).reverse().map((run) => ({ kind: 'liveRun', run }));
    const runs = await this.pastRuns();
    return runs.length > 0 ? [...live, ...jobs, { kind: 'runs', runs }] : [...live, ...jobs];
  }

  getTreeItem(node: JobsNode): vscode.TreeItem {
    if (node.kind === 'runs') {
      const item = new vscode.TreeItem(`Past training runs (${node.runs.length})`, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = 'past-runs';
      item.iconPath = new vscode.ThemeIcon('history');
      return item;
    }
    if (node.kind === 'liveRun') {
      const r = node.run;
      const n = r.checkpoints.length;
      const item = new vscode.TreeItem(`${r.title}`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `live-${r.dir}`;
      item.description = `${r.engine} · ${n === 0 ? 'no checkpoint yet' : `${n} checkpoint${n === 1 ? '' : 's'}`}`;
      item.tooltip = `${r.dir}\nCheckpoints appear here as the run writes them; right-click one to diff it with another.`;
      item.iconPath = new vscode.ThemeIcon(r.state === 'running' ? 'sync~spin' : 'graph-line');
      item.contextValue = 'bitnetLab.liveRun';
      return item;
    }
    if (node.kind === 'runCheckpoint') {
      const c = node.checkpoint;
      const item = new vscode.TreeItem(`${RUN_LABEL[c.run]} · step ${c.step}`, vscode.TreeItemCollapsibleState.None);
      item.id = `ckpt-${c.path}`;
      item.resourceUri = vscode.Uri.file(c.path);
      item.tooltip = c.path;
      item.iconPath = new vscode.ThemeIcon('database');
      item.contextValue = 'bitnetLab.runCheckpoint';
      item.command = { command: 'bitnetLab.openInspector', title: 'Open in Inspector', arguments: [vscode.Uri.file(c.path)] };
      return item;
    }
    if (node.kind === 'run') {
      const r = node.run;
      const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
      item.id = `run-${r.dir}`;
      item.description = [r.model, r.steps !== undefined ? `${r.steps} steps` : undefined].filter(Boolean).join(' · ');
      item.tooltip = `${r.dir}\nfinished ${new Date(r.finishedAt).toLocaleString()}`;
      item.iconPath = new vscode.ThemeIcon('graph-line');
      item.contextValue = 'bitnetLab.pastRun';
      item.command = { command: 'bitnetLab.openTrainingRun', title: 'Show training curves', arguments: [r.dir] };
      return item;
    }
    const job = node.job;
    const item = new vscode.TreeItem(`${job.kind}: ${job.label}`, vscode.TreeItemCollapsibleState.None);
    item.id = `job-${job.id}`;
    item.contextValue = job.status === 'running' ? 'bitnetLab.job.running' : 'bitnetLab.job.finished';
    const seconds = ((job.endedAt ?? Date.now()) - job.startedAt) / 1000;
    const pct = job.fraction !== undefined ? ` ${Math.round(job.fraction * 100)} %` : '';
    item.description = `${job.status}${pct} · ${seconds.toFixed(1)} s`;
    item.tooltip = [job.progressLabel, job.message].filter(Boolean).join('\n') || undefined;
    item.iconPath = new vscode.ThemeIcon(
      job.status === 'running' ? 'sync~spin' : job.status === 'done' ? 'pass' : job.status === 'failed' ? 'error' : 'circle-slash',
    );
    return item;
  }
}
