/**
 * How the comparison panel gets its report (either way works):
 *  - an initial `<script type="application/json" id="bitnet-compare-report">`
 *    (the exported HTML and a panel that has the report at creation);
 *  - a `window.postMessage({ type: 'report', report })` from the extension
 *    (after the page posts `{ type: 'ready' }` through the VS Code API).
 */
import type { ComparisonReport } from '../../../src/core/analysis/compare.js';
import { embeddedReport } from '../shared/embeddedReport.js';

/** Must match COMPARE_REPORT_SCRIPT_ID in src/core/analysis/compareHtml.ts. */
export const COMPARE_REPORT_ELEMENT_ID = 'bitnet-compare-report';

export type CompareMessage = { type: 'report'; report: ComparisonReport };

export function initialReport(doc: Document = document): ComparisonReport | undefined {
  return embeddedReport(COMPARE_REPORT_ELEMENT_ID, isComparison, doc);
}

export function isComparison(v: unknown): v is ComparisonReport {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'bitnet-lab/comparison';
}
