/**
 * A cancellable progress notification for a running analysis. It appears
 * only when the analysis is still running after a short delay, so small
 * checkpoints (or cache hits) do not flash a notification.
 */
import * as vscode from 'vscode';
import type { CheckpointModel } from './checkpointModel.js';

const SHOW_AFTER_MS = 700;

export function showAnalysisProgress(model: CheckpointModel): void {
  let settled = false;
  const sub = model.onEvent((e) => {
    if (e.type === 'done' || e.type === 'cancelled' || e.type === 'error') settled = true;
  });
  setTimeout(() => {
    if (settled || !model.analyzing) {
      sub.dispose();
      return;
    }
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BitNet: analysing ${model.fileName}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => model.cancelAnalysis());
          let reported = 0;
          const events = model.onEvent((e) => {
            if (e.type === 'progress' && e.total > 0) {
              const pct = (100 * e.done) / e.total;
              progress.report({ increment: Math.max(0, pct - reported), message: e.label });
              reported = Math.max(reported, pct);
            } else if (e.type === 'done' || e.type === 'cancelled' || e.type === 'error') {
              finish();
            }
          });
          const finish = (): void => {
            events.dispose();
            sub.dispose();
            resolve();
          };
          if (!model.analyzing) finish();
        }),
    );
  }, SHOW_AFTER_MS);
}
