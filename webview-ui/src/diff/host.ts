/**
 * The diff panel's message contract (webview side). The report arrives as a
 * `{type: 'report', report}` message from the extension (after the page posts
 * `{type: 'ready'}`), or from a `<script type="application/json"
 * id="bitnet-diff-report">` in a static page. While the job runs the host
 * posts `progress`; a failure arrives as `error`.
 */
import type { CheckpointDiff } from '../../../src/core/analysis/diff.js';
import { embeddedReport } from '../shared/embeddedReport.js';

export const DIFF_REPORT_ELEMENT_ID = 'bitnet-diff-report';

export type DiffPanelMessage =
  | { type: 'report'; report: CheckpointDiff }
  | { type: 'progress'; done: number; total: number; label?: string }
  | { type: 'error'; message: string };

export type DiffPanelRequest = { type: 'ready' } | { type: 'export' };

/** What the page keeps across hide/show and reload (VS Code webview state). */
export interface DiffPageState {
  report?: CheckpointDiff;
  sort?: { key: string; descending: boolean };
}

export function isCheckpointDiff(v: unknown): v is CheckpointDiff {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Partial<CheckpointDiff>;
  return typeof d.fileA === 'string' && typeof d.fileB === 'string' && Array.isArray(d.tensors) && Array.isArray(d.perLayer);
}

export function initialDiff(doc: Document = document): CheckpointDiff | undefined {
  return embeddedReport(DIFF_REPORT_ELEMENT_ID, isCheckpointDiff, doc);
}
