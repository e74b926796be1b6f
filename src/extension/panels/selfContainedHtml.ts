/**
 * A self-contained HTML page for a panel report (energy, diff): the panel's
 * own bundle inline, the report as JSON in a script tag the page reads at
 * start (page shell: src/core/analysis/selfContainedPage.ts).
 */
import { renderSelfContainedPage } from '../../core/analysis/selfContainedPage.js';

export function renderSelfContainedHtml(title: string, dataElementId: string, report: unknown, bundleJs: string): string {
  return renderSelfContainedPage({ title, dataElementId, data: report, bundleJs });
}
