/**
 * A self-contained HTML report: the inspector webview's own bundle in static
 * mode, with the report embedded as JSON (page shell: selfContainedPage.ts).
 */
import type { CheckpointReport } from './report.js';
import { renderSelfContainedPage } from './selfContainedPage.js';

/** Must match REPORT_ELEMENT_ID in webview-ui/src/inspector/host.ts. */
export const REPORT_SCRIPT_ID = 'bitnet-report';

export function renderReportHtml(report: CheckpointReport, bundleJs: string, css?: string): string {
  const base = report.file.split(/[\\/]/).pop() ?? report.file;
  return renderSelfContainedPage({
    title: `BitNet report — ${base}`,
    dataElementId: REPORT_SCRIPT_ID,
    data: report,
    bundleJs,
    ...(css === undefined ? {} : { css }),
    generator: report.provenance?.tool ?? 'bitnet-lab',
    // The CSP keeps its single quotes readable.
    keepApostrophes: true,
  });
}
