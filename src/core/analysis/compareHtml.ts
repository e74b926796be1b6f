/**
 * A self-contained HTML comparison report: the comparison panel's own bundle
 * (dist/webview/compare.js, passed in by the caller) inline, with the report
 * embedded as JSON (page shell: selfContainedPage.ts).
 */
import type { ComparisonReport } from './compare.js';
import { renderSelfContainedPage } from './selfContainedPage.js';

/** Must match COMPARE_REPORT_ELEMENT_ID in webview-ui/src/compare/host.ts. */
export const COMPARE_REPORT_SCRIPT_ID = 'bitnet-compare-report';

export function renderComparisonHtml(report: ComparisonReport, bundleJs: string): string {
  const base = report.file.split(/[\\/]/).pop() ?? report.file;
  return renderSelfContainedPage({
    title: `BitNet comparison — ${base}`,
    dataElementId: COMPARE_REPORT_SCRIPT_ID,
    data: report,
    bundleJs,
    generator: report.provenance.tool,
  });
}
