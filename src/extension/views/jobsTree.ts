/** The `bitnetLab.jobs` view: running and finished jobs, with a cancel action on running ones. */
import * as vscode from 'vscode';
import type { JobTracker, TrackedJob } from '../jobTracker.js';

export class JobsTreeProvider implements vscode.TreeDataProvider<TrackedJob>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TrackedJob | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: { dispose(): void };
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly tracker: JobTracker) {
    this.subscription = tracker.onDidChange(() => {
      this.refreshTimer ??= setTimeout(() => {
        this.refreshTimer = undefined;
        this.emitter.fire(undefined);
      }, 250);
    });
  }

  dispose(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.subscription.dispose();
    this.emitter.dispose();
  }

  getChildren(job?: TrackedJob): TrackedJob[] {
    return job ? [] : [...this.tracker.list()];
  }

  getTreeItem(job: TrackedJob): vscode.TreeItem {
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
