/**
 * The self-contained HTML report: the inspector's own bundle in static mode
 * with the report embedded (renderReportHtml). Undefined when this build has
 * no inspector bundle to embed.
 */
import { readFile } from 'node:fs/promises';
import { renderReportHtml } from '../core/analysis/reportHtml.js';
import type { CheckpointReport } from '../core/analysis/report.js';

export async function renderHtmlReport(report: CheckpointReport, bundleJsPath: string): Promise<string | undefined> {
  let bundle: string;
  try {
    bundle = await readFile(bundleJsPath, 'utf8');
  } catch {
    return undefined;
  }
  return renderReportHtml(report, bundle);
}
