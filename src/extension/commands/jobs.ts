/** bitnetLab.cancelJob: from the Jobs view's inline action, or a pick of the running jobs. */
import * as vscode from 'vscode';
import type { TrackedJob } from '../jobTracker.js';
import type { Services } from '../services.js';

export function registerJobCommands(s: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bitnetLab.cancelJob', async (arg?: unknown) => {
      // From the Jobs view the argument is its node ({kind: 'job', job}); from code, a job or its id.
      const node = typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'job' ? (arg as { job: TrackedJob }).job : arg;
      let id = typeof node === 'object' && node !== null && typeof (node as TrackedJob).id === 'number' ? (node as TrackedJob).id : typeof node === 'number' ? node : undefined;
      if (id === undefined) {
        const running = s.tracker.list().filter((j) => j.status === 'running');
        if (running.length === 0) {
          void vscode.window.showInformationMessage('BitNet: no job is running.');
          return false;
        }
        const pick = await vscode.window.showQuickPick(
          running.map((j) => ({ label: `${j.kind}: ${j.label}`, id: j.id })),
          { title: 'Cancel which BitNet job?' },
        );
        id = pick?.id;
      }
      return id !== undefined && s.tracker.cancel(id);
    }),
  ];
}
