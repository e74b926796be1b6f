/**
 * What differs between the three report panels, as plain data and pure
 * functions (no 'vscode' import, unit-tested): view type, page bundle, how
 * to title and recognise a report, and how to export it as HTML.
 */
import { basename } from 'node:path';
import { renderComparisonHtml } from '../../core/analysis/compareHtml.js';
import type { JobValueOf } from '../../protocol/jobs.js';
import type { ReportPanelKind } from '../../protocol/panels.js';
import { renderSelfContainedHtml } from './selfContainedHtml.js';

/** The report a panel of kind K shows: the value of the job of the same name (checked on receipt). */
export type ReportOf<K extends ReportPanelKind> = JobValueOf<K>;

export interface ReportKind<K extends ReportPanelKind = ReportPanelKind> {
  kind: K;
  /** WebviewPanel view type (also in package.json's onWebviewPanel activation event). */
  viewType: string;
  /** Bundle name under dist/webview/. */
  entry: string;
  /** Title while the job runs (the subject is a file name or "a ↔ b"). */
  runningTitle(subject: string): string;
  title(report: ReportOf<K>): string;
  /**
   * Shape check for reports read back from the page's state or the report
   * store. Those went through JSON (NaN became null), so the job's schema
   * would refuse good ones: only what titles and exports read is checked.
   */
  isReport(v: unknown): v is ReportOf<K>;
  /** Default export file stem. */
  exportStem(report: ReportOf<K>): string;
  html(report: ReportOf<K>, bundleJs: string): string;
}

const base = (p: string): string => basename(p.replace(/\\/g, '/'));
const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined);

export const REPORT_KINDS: { [K in ReportPanelKind]: ReportKind<K> } = {
  compare: {
    kind: 'compare',
    viewType: 'bitnetLab.comparison',
    entry: 'compare',
    runningTitle: (s) => `BitNet vs FP: ${s}`,
    title: (r) => `BitNet vs FP: ${base(r.file)}`,
    isReport: (v): v is ReportOf<'compare'> => obj(v)?.kind === 'bitnet-lab/comparison' && typeof obj(v)?.file === 'string',
    exportStem: (r) => `${base(r.file)}.comparison`,
    html: (r, js) => renderComparisonHtml(r, js),
  },
  energy: {
    kind: 'energy',
    viewType: 'bitnetLab.energyReport',
    entry: 'energy',
    runningTitle: (s) => `Energy: ${s}`,
    title: (r) => `Energy: ${base(r.file)} (${r.node})`,
    isReport: (v): v is ReportOf<'energy'> => typeof obj(v)?.file === 'string' && typeof obj(v)?.node === 'string' && Array.isArray(obj(v)?.totals),
    exportStem: (r) => `${base(r.file)}.energy-${r.node}`,
    // Must match ENERGY_REPORT_ELEMENT_ID in webview-ui/src/energy/host.ts.
    html: (r, js) => renderSelfContainedHtml(`BitNet energy report — ${base(r.file)}`, 'bitnet-energy-report', r, js),
  },
  diff: {
    kind: 'diff',
    viewType: 'bitnetLab.checkpointDiff',
    entry: 'diff',
    runningTitle: (s) => `Diff: ${s}`,
    title: (r) => `Diff: ${base(r.fileA)} ↔ ${base(r.fileB)}`,
    isReport: (v): v is ReportOf<'diff'> => typeof obj(v)?.fileA === 'string' && typeof obj(v)?.fileB === 'string' && Array.isArray(obj(v)?.tensors),
    exportStem: (r) => `${base(r.fileA)}--${base(r.fileB)}.diff`,
    // Must match DIFF_REPORT_ELEMENT_ID in webview-ui/src/diff/host.ts.
    html: (r, js) => renderSelfContainedHtml(`BitNet checkpoint diff — ${base(r.fileA)} ↔ ${base(r.fileB)}`, 'bitnet-diff-report', r, js),
  },
};

export function reportKindOfViewType(viewType: string): ReportKind | undefined {
  return Object.values(REPORT_KINDS).find((k) => k.viewType === viewType);
}

/** "x.html" or "x.json" (or "x") → the pair of files an export writes. */
export function exportPaths(chosen: string): { json: string; html: string } {
  const stem = chosen.replace(/\.(html?|json)$/i, '');
  return { json: `${stem}.json`, html: `${stem}.html` };
}

/** A progress title suffix: "42%" when the total is known, else the label. */
export function progressSuffix(done: number, total: number, label?: string): string {
  if (total > 0 && Number.isFinite(done)) return `${Math.min(100, Math.max(0, Math.floor((100 * done) / total)))}%`;
  return label ?? '…';
}
