/**
 * The `bitnetLab.jobs` view: running and finished jobs, with a cancel action
 * on running ones, and a "Past training runs" group listing finished runs of
 * the runs folder (click one to reopen its curves).
 */
import * as vscode from 'vscode';
import type { JobTracker, TrackedJob } from '../jobTracker.js';
import type { PastRun } from '../training/runsFolder.js';

export type JobsNode = { kind: 'job'; job: TrackedJob } | { kind: 'runs'; runs: PastRun[] } | { kind: 'run'; run: PastRun };

export class JobsTreeProvider implements vscode.TreeDataProvider<JobsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<JobsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: { dispose(): void };
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly tracker: JobTracker, private readonly pastRuns: () => Promise<PastRun[]> = async () => []) {
    this.subscription = tracker.onDidChange(() => this.refresh());
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
    this.emitter.dispose();
  }

  async getChildren(node?: JobsNode): Promise<JobsNode[]> {
    if (node?.kind === 'runs') return node.runs.map((run) => ({ kind: 'run', run }));
    if (node) return [];
    const jobs: JobsNode[] = this.tracker.list().map((job) => ({ kind: 'job', job }));
    const runs = await this.pastRuns();
    return runs.length > 0 ? [...jobs, { kind: 'runs', runs }] : jobs;
  }

  getTreeItem(node: JobsNode): vscode.TreeItem {
    if (node.kind === 'runs') {
      const item = new vscode.TreeItem(`Past training runs (${node.runs.length})`, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = 'past-runs';
      item.iconPath = new vscode.ThemeIcon('history');
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
