/**
 * Writing a finished analysis to disk: JSON (the one report schema, as the
 * CLI's --json prints it) or a self-contained HTML page. Written atomically.
 */
import { writeFileAtomic } from '../core/formats/atomicWrite.js';
import { BitnetLabError } from '../core/errors.js';
import type { CheckpointReport } from '../core/analysis/report.js';
import { renderHtmlReport } from './htmlReport.js';

export type ExportFormat = 'json' | 'html';

export function defaultExportName(fileName: string, format: ExportFormat): string {
  return `${fileName}.bitnet-report.${format}`;
}

export async function writeReport(report: CheckpointReport, format: ExportFormat, output: string, bundleJsPath: string): Promise<void> {
  if (format === 'json') {
    await writeFileAtomic(output, JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const html = await renderHtmlReport(report, bundleJsPath);
  if (html === undefined) throw new BitnetLabError('unsupported', 'the HTML report needs the inspector bundle (dist/webview/inspector.js), which this build lacks; export JSON instead', { file: output });
  await writeFileAtomic(output, html);
}
