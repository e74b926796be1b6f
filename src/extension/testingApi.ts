/**
 * A small, plain-data window into the host for the integration tests (run
 * inside the extension host): tree contents as labels, job states, the job
 * process's pid and a way to kill it, inspector timings.
 *
 * The levers that act on the host (TestHooks) exist only in development
 * builds: scripts/build.mjs defines __BITNET_TEST_HOOKS__ as false for
 * `--production`, and the minifier drops them, so a packaged extension
 * exports only the read-only snapshots.
 */
import * as vscode from 'vscode';
import type { TrackedJob } from './jobTracker.js';
import { ReportPanel } from './panels/reportPanel.js';
import { requestProgressCancel } from './progressCancel.js';
import { listRuns, type PastRun } from './training/runsFolder.js';
import { runsDir } from './training/trainingCommands.js';
import { TrainingPanel } from './training/trainingPanel.js';
import { TryPanel } from './models/tryPanel.js';
import type { TryState } from '../protocol/models.js';
import type { Services } from './services.js';
import type { CheckpointNode, CheckpointsTreeProvider } from './views/checkpointsTree.js';
import type { SummaryInput } from './views/summaryHtml.js';
import type { SummaryViewProvider } from './views/summaryView.js';

export interface TreeSnapshot {
  label: string;
  description?: string;
  command?: { command: string; arguments?: unknown[] };
  children?: TreeSnapshot[];
}

export interface ModelSnapshot {
  path: string;
  phase: string;
  failure?: { code: string; message: string };
  tensors: number;
  analysedTensors: number;
  openMs?: number;
  cached: boolean;
}

/** Set by scripts/build.mjs: true in development bundles, false in `--production` ones. */
declare const __BITNET_TEST_HOOKS__: boolean;

/** Levers on the host for the integration tests; absent from production builds. */
export interface TestHooks {
  killJobProcess(): boolean;
  /** Press Cancel on the progress notification of a Jobs-view job; false when it shows none. */
  cancelFromProgress(jobId: number): boolean;
}

/** What the integration tests (run against a development build) see; a production build lacks TestHooks. */
export interface TestingApi extends TestHooks {
  checkpointsTree(): Promise<TreeSnapshot[]>;
  jobs(): Array<Omit<TrackedJob, 'cancel'>>;
  models(): ModelSnapshot[];
  /** Wait until the checkpoint's latest analysis has finished. */
  whenIdle(path: string): Promise<ModelSnapshot | undefined>;
  jobProcessPid(): number | undefined;
  jobProcessSpawns(): number;
  inspectorSessions(path: string): Array<{ ready: boolean; posted: number; visible: boolean }>;
  summary(): SummaryInput | undefined;
  /** Open comparison / energy / diff panels. */
  reportPanels(): PanelSnapshot[];
  trainingPanels(): TrainingPanelSnapshot[];
  /** Runs of this window and their checkpoints as the Jobs view lists them. */
  liveRuns(): Array<{ dir: string; title: string; engine: string; state: string; checkpoints: Array<{ run: string; step: number; path: string }> }>;
  /** Finished runs of the runs folder, as the Jobs view lists them. */
  pastRuns(): Promise<PastRun[]>;
  /** Open Try it panels: what the host holds for each (the page's own view is read through its frame). */
  tryPanels(): TryPanelSnapshot[];
}

export interface TryPanelSnapshot {
  path: string;
  ready: boolean;
  visible: boolean;
  posted: string[];
  state: TryState;
}

export interface TrainingPanelSnapshot {
  title: string;
  ready: boolean;
  visible: boolean;
  metricsMessages: number;
  lastStep: number;
  /** The run line: engine, folder, launch command. */
  engine?: string;
  folder?: string;
  launch?: string;
  /** The page offers "SLURM script…". */
  slurm?: boolean;
  overlays: string[];
}

export interface PanelSnapshot {
  viewType: string;
  title: string;
  ready: boolean;
  visible: boolean;
  /** Message types posted to the page, in order. */
  posted: string[];
  hasReport: boolean;
  failed?: string;
}

export function createTestingApi(parts: { services: Services; checkpointsTree: CheckpointsTreeProvider; summary: SummaryViewProvider }): TestingApi {
  const { services: s, checkpointsTree, summary } = parts;

  const snapshotModel = (path: string): ModelSnapshot | undefined => {
    const m = s.registry.get(path);
    if (!m) return undefined;
    const list = m.tensorList();
    return {
      path: m.path,
      phase: m.phase,
      failure: m.failure ? { code: m.failure.code, message: m.failure.message } : undefined,
      tensors: list.length,
      analysedTensors: list.filter((t) => t.stats !== null).length,
      openMs: m.openMs,
      cached: m.lastCached,
    };
  };

  const walk = async (node?: CheckpointNode): Promise<TreeSnapshot[]> => {
    const children = checkpointsTree.getChildren(node);
    return Promise.all(
      children.map(async (child) => {
        const item = checkpointsTree.getTreeItem(child);
        const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        const snap: TreeSnapshot = { label, description: typeof item.description === 'string' ? item.description : undefined };
        if (item.command) snap.command = { command: item.command.command, arguments: item.command.arguments };
        if (item.collapsibleState !== vscode.TreeItemCollapsibleState.None) snap.children = await walk(child);
        return snap;
      }),
    );
  };

  // Inline, so the minifier drops the whole object once the define makes the condition false.
  const hooks = (__BITNET_TEST_HOOKS__
    ? { killJobProcess: () => s.jobs.killProcess('SIGKILL'), cancelFromProgress: (jobId: number) => requestProgressCancel(jobId) }
    : {}) as TestHooks;

  return {
    ...hooks,
    checkpointsTree: () => walk(),
    jobs: () => s.tracker.list().map(({ cancel: _cancel, ...rest }) => ({ ...rest })),
    models: () => s.registry.list().map((m) => snapshotModel(m.path)!),
    whenIdle: async (path) => {
      await s.registry.get(path)?.whenIdle();
      return snapshotModel(path);
    },
    jobProcessPid: () => s.jobs.pid,
    jobProcessSpawns: () => s.jobs.spawnCount,
    inspectorSessions: (path) => s.inspector.sessionsFor(path).map((x) => ({ ready: x.isReady, posted: x.posted, visible: x.panel.visible })),
    summary: () => summary.current(),
    reportPanels: () =>
      ReportPanel.all().map((p) => ({
        viewType: p.kind.viewType,
        title: p.panel.title,
        ready: p.isReady,
        visible: p.panel.visible,
        posted: [...p.posted],
        hasReport: p.report !== undefined,
        failed: p.failed,
      })),
    trainingPanels: () =>
      TrainingPanel.all().map((p) => ({
        title: p.panel.title, ready: p.isReady, visible: p.panel.visible, metricsMessages: p.metricsMessages, lastStep: p.metrics.lastStep(),
        engine: p.info?.engine, folder: p.info?.folder, launch: p.info?.launch, slurm: p.info?.slurm, overlays: p.overlayLabels,
      })),
    liveRuns: () => (s.liveRuns?.list() ?? []).map((r) => ({ ...r, checkpoints: r.checkpoints.map((c) => ({ ...c })) })),
    pastRuns: () => listRuns(runsDir(s)),
    tryPanels: () => TryPanel.all().map((p) => ({ path: p.path, ready: p.isReady, visible: p.panel.visible, posted: [...p.posted], state: p.snapshot })),
  };
}
