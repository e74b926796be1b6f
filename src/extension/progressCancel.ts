/**
 * The Cancel button of a job's progress notification, reachable by Jobs-view
 * id. VS Code offers no way to press that button from code, so the
 * notification's token is linked to a token source kept here: the button and
 * the integration tests (testingApi.cancelFromProgress) fire the same handler.
 */
import * as vscode from 'vscode';

const open = new Map<number, vscode.CancellationTokenSource>();

/** While the notification is up, a cancel of `token` (or of jobId via requestProgressCancel) calls `cancel` once. */
export function linkProgressCancel(jobId: number, token: vscode.CancellationToken, cancel: () => void): vscode.Disposable {
  const source = new vscode.CancellationTokenSource();
  const fromButton = token.onCancellationRequested(() => source.cancel());
  const toJob = source.token.onCancellationRequested(cancel);
  if (token.isCancellationRequested) source.cancel();
  open.set(jobId, source);
  return new vscode.Disposable(() => {
    if (open.get(jobId) === source) open.delete(jobId);
    fromButton.dispose();
    toJob.dispose();
    source.dispose();
  });
}

/** Press Cancel on the job's progress notification; false when it has none open. */
export function requestProgressCancel(jobId: number): boolean {
  const source = open.get(jobId);
  if (!source) return false;
  source.cancel();
  return true;
}
