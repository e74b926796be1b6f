/**
 * How the comparison panel gets its report (either way works):
 *  - an initial `<script type="application/json" id="bitnet-compare-report">`
 *    (the exported HTML and a panel that has the report at creation);
 *  - a `window.postMessage({ type: 'report', report })` from the extension
 *    (after the page posts `{ type: 'ready' }` through the VS Code API).
 */
import type { ComparisonReport } from '../../../src/core/analysis/compare.js';

/** Must match COMPARE_REPORT_SCRIPT_ID in src/core/analysis/compareHtml.ts. */
export const COMPARE_REPORT_ELEMENT_ID = 'bitnet-compare-report';

export type CompareMessage = { type: 'report'; report: ComparisonReport };

export function initialReport(doc: Document = document): ComparisonReport | undefined {
  const node = doc.getElementById(COMPARE_REPORT_ELEMENT_ID);
  if (!node?.textContent) return undefined;
  const value = JSON.parse(node.textContent) as unknown;
  return isComparison(value) ? value : undefined;
}

export function isComparison(v: unknown): v is ComparisonReport {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'bitnet-lab/comparison';
}
