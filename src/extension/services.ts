/** What the commands and views share, created once in activate(). */
import type * as vscode from 'vscode';
import type { JobClient } from '../jobs/client.js';
import type { AnalysisSettings } from '../protocol/inspector.js';
import type { CheckpointModel } from './checkpointModel.js';
import type { CheckpointRegistry } from './checkpointRegistry.js';
import type { CheckpointInspectorProvider } from './inspector/provider.js';
import type { JobTracker } from './jobTracker.js';
import type { LiveRuns } from './training/liveRuns.js';
import type { ReportPanels } from './panels/registerPanels.js';

export interface Services {
  context: vscode.ExtensionContext;
  jobs: JobClient;
  tracker: JobTracker;
  registry: CheckpointRegistry;
  inspector: CheckpointInspectorProvider;
  /** Comparison, energy and diff panels. */
  panels: ReportPanels;
  log(line: string): void;
  /** Runs of this window and the checkpoints they have written (the Jobs view lists them). */
  liveRuns?: LiveRuns;
  /** A training run finished: refresh the past runs in the Jobs view. */
  onRunsChanged?: () => void;
  /** Run an analysis of an open checkpoint with a cancellable progress notification. */
  analyze(model: CheckpointModel, settings: AnalysisSettings, options?: { useCache?: boolean }): Promise<void>;
}
