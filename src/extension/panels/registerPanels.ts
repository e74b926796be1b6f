/**
 * Wiring of the report panels: serializers that restore them after a reload
 * (from the page's own state when it keeps one, else the last report of that
 * kind in global storage), and the `bitnetLab.exportPanelReport` command
 * (title-bar action of the panels; the energy and diff pages also have a
 * button that lands here).
 */
import * as vscode from 'vscode';
import type { ReportPanelKind } from '../../protocol/panels.js';
import { exportPanelReport } from './exportPanelReport.js';
import { REPORT_KINDS, type ReportOf } from './reportKinds.js';
import { ReportPanel, type PanelQuality, type ReportPanelHost } from './reportPanel.js';
import { ReportStore } from './reportStore.js';

export interface ReportPanels {
  /** Open a panel for a job that is about to run. */
  open<K extends ReportPanelKind>(kind: K, subject: string): ReportPanel<K>;
  /** Record a finished report (for restoring after a reload). */
  remember<K extends ReportPanelKind>(kind: K, report: ReportOf<K>): void;
  export(panel: ReportPanel, output?: string): Promise<string[] | undefined>;
}

export function registerReportPanels(
  context: vscode.ExtensionContext,
  log: (line: string) => void,
): { panels: ReportPanels; disposables: vscode.Disposable[]; connectQuality(q: PanelQuality): void } {
  const store = new ReportStore(vscode.Uri.joinPath(context.globalStorageUri, 'panels').fsPath);
  // The Quality runner needs the services, which need these panels: it is connected right after.
  let quality: PanelQuality | undefined;
  const host: ReportPanelHost = {
    extensionUri: context.extensionUri,
    log,
    onExport: (panel) => void doExport(panel),
    get quality() {
      return quality;
    },
  };

  const doExport = async <K extends ReportPanelKind>(panel: ReportPanel<K>, output?: string): Promise<string[] | undefined> => {
    const report = panel.report;
    if (report === undefined) return undefined;
    try {
      // The save dialog opens next to the checkpoint (a diff's first one).
      const near = 'fileA' in report ? report.fileA : report.file;
      const written = await exportPanelReport(context.extensionUri, panel.kind, report, output, near);
      if (written && output === undefined) {
        void vscode.window.showInformationMessage(`BitNet: exported ${written.map((w) => w.split(/[\\/]/).pop()).join(' and ')}`, 'Open HTML').then((c) => {
          if (c) void vscode.env.openExternal(vscode.Uri.file(written[1]!));
        });
      }
      return written;
    } catch (e) {
      void vscode.window.showErrorMessage(`BitNet: export failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };

  const serializer = (kind: ReportPanelKind): vscode.WebviewPanelSerializer => ({
    deserializeWebviewPanel: async (panel, state: unknown) => {
      const own = (state as { report?: unknown } | undefined)?.report;
      const k = REPORT_KINDS[kind];
      const report = k.isReport(own) ? own : await store.load(kind);
      ReportPanel.adopt(host, kind, panel, k.isReport(report) ? report : undefined);
    },
  });

  const panels: ReportPanels = {
    open: (kind, subject) => ReportPanel.create(host, kind, subject),
    remember: (kind, report) => void store.save(kind, report).catch((e: unknown) => log(`could not store the last ${kind} report: ${String(e)}`)),
    export: doExport,
  };

  const disposables = [
    ...(Object.keys(REPORT_KINDS) as ReportPanelKind[]).map((kind) => vscode.window.registerWebviewPanelSerializer(REPORT_KINDS[kind].viewType, serializer(kind))),
    vscode.commands.registerCommand('bitnetLab.exportPanelReport', async (args?: { output?: string }) => {
      const panel = ReportPanel.active() ?? ReportPanel.all().find((p) => p.report !== undefined);
      if (!panel || panel.report === undefined) {
        void vscode.window.showWarningMessage('BitNet: no finished comparison, energy report or diff is open.');
        return undefined;
      }
      return doExport(panel, args?.output);
    }),
  ];
  return { panels, disposables, connectQuality: (q) => (quality = q) };
}
