/**
 * BitNet Lab's extension host entry. Thin by design: it wires the job
 * process, the shared checkpoint models, the inspector editor, the sidebar
 * views and the commands. Every byte of checkpoint parsing and every number
 * crunched happens in the job process (dist/jobWorker.js).
 */
import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import type { CheckpointReport } from '../core/analysis/report.js';
import { JobClient, type CrashInfo } from '../jobs/client.js';
import { LruCache } from './analysisCache.js';
import { CheckpointModel } from './checkpointModel.js';
import { CheckpointRegistry } from './checkpointRegistry.js';
import { registerEngineCommands } from './commands/engineJobs.js';
import { exportModelReport, registerInspectCommands } from './commands/inspect.js';
import { registerJobCommands } from './commands/jobs.js';
import { CheckpointInspectorProvider } from './inspector/provider.js';
import { JobTracker } from './jobTracker.js';
import { registerReportPanels } from './panels/registerPanels.js';
import { LiveRuns } from './training/liveRuns.js';
import { listRuns } from './training/runsFolder.js';
import { registerTrainingCommands, runsDir } from './training/trainingCommands.js';
import { showAnalysisProgress } from './progressUi.js';
import type { Services } from './services.js';
import { readAnalysisSettings } from './settings.js';
import { createTestingApi, type TestingApi } from './testingApi.js';
import { CheckpointsTreeProvider } from './views/checkpointsTree.js';
import { JobsTreeProvider } from './views/jobsTree.js';
import { SummaryViewProvider } from './views/summaryView.js';
import { localPathFor } from './localCopy.js';
import { registerModelCommands } from './models/modelCommands.js';
import { QualityRunner } from './models/qualityRunner.js';
import { RecentTextEditor } from './models/textSource.js';

export interface BitnetLabApi {
  /** For the integration tests: plain-data views of the host's state and a few levers. */
  testing: TestingApi;
}

export function activate(context: vscode.ExtensionContext): BitnetLabApi {
  const output = vscode.window.createOutputChannel('BitNet Lab', { log: true });
  const log = (line: string): void => output.info(line);
  const tracker = new JobTracker();
  const registry = new CheckpointRegistry();
  const cache = new LruCache<CheckpointReport>(8);

  const jobs = new JobClient({
    workerPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'jobWorker.js').fsPath,
    log,
    onCrash: (info) => reportCrash(info, registry, services),
  });
  jobs.warmUp();

  const reportPanels = registerReportPanels(context, log);

  const services: Services = {
    context,
    panels: reportPanels.panels,
    jobs,
    tracker,
    registry,
    inspector: undefined as unknown as CheckpointInspectorProvider,
    log,
    analyze: async (model, settings, options) => {
      const run = model.analyze(settings, options);
      showAnalysisProgress(model);
      await run;
    },
  };

  const recentEditor = new RecentTextEditor();
  const quality = new QualityRunner(services, recentEditor);
  reportPanels.connectQuality(quality);

  const { provider, disposable: editorRegistration } = CheckpointInspectorProvider.register({
    extensionUri: context.extensionUri,
    registry,
    log,
    quality,
    localPath: (uri) => localPathFor(uri, context.globalStorageUri),
    createModel: (path, fileName) => new CheckpointModel(path, fileName, readAnalysisSettings(), { jobs, tracker, cache, stat: statFile }),
    startAnalysis: (model) => void services.analyze(model, readAnalysisSettings()),
    exportReport: async (model, format) => {
      await exportModelReport(services, model, format);
    },
  });
  services.inspector = provider;

  const checkpointsTree = new CheckpointsTreeProvider(registry);
  const liveRuns = new LiveRuns();
  services.liveRuns = liveRuns;
  const jobsTree = new JobsTreeProvider(tracker, () => listRuns(runsDir(services)), liveRuns);
  services.onRunsChanged = () => jobsTree.refresh();
  const summary = new SummaryViewProvider(registry, context.extensionUri);

  context.subscriptions.push(
    output,
    editorRegistration,
    checkpointsTree,
    jobsTree,
    summary,
    vscode.window.createTreeView('bitnetLab.checkpoints', { treeDataProvider: checkpointsTree, showCollapseAll: true }),
    vscode.window.createTreeView('bitnetLab.jobs', { treeDataProvider: jobsTree }),
    vscode.window.registerWebviewViewProvider('bitnetLab.summary', summary),
    ...registerInspectCommands(services),
    ...reportPanels.disposables,
    ...registerEngineCommands(services),
    ...registerTrainingCommands(services),
    ...registerJobCommands(services),
    recentEditor,
    ...registerModelCommands(services, quality),
    { dispose: () => jobs.dispose() },
    liveRuns,
  );

  return { testing: createTestingApi({ services, checkpointsTree, summary }) };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions (the job process included).
}

async function statFile(path: string): Promise<{ path: string; size: number; mtimeMs: number }> {
  const s = await stat(path);
  return { path, size: s.size, mtimeMs: s.mtimeMs };
}

function reportCrash(info: CrashInfo, registry: CheckpointRegistry, services: Services): void {
  const what = info.failedJobs.length > 0 ? ` while running ${[...new Set(info.failedJobs)].join(', ')}` : '';
  const how = info.signal ? `was killed (${info.signal})` : `exited (code ${info.exitCode})`;
  const next = info.restart === 'wait-for-user' ? 'It crashed repeatedly; it starts again when you retry.' : 'It has been restarted.';
  const retryable = registry.list().filter((m) => m.phase === 'failed' && m.failure?.code === 'crash');
  const actions = retryable.length > 0 ? ['Retry'] : [];
  void vscode.window.showErrorMessage(`BitNet Lab: the job process ${how}${what}. ${next}`, ...actions).then((choice) => {
    if (choice !== 'Retry') return;
    for (const m of retryable) void services.analyze(m, m.settings, { useCache: false });
  });
}
