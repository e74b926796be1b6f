/**
 * A self-contained HTML comparison report: the comparison panel's own bundle
 * (dist/webview/compare.js, passed in by the caller) inline, with the report
 * embedded as JSON. No network, no VS Code; the Content-Security-Policy admits
 * only the hash of the inline script (the bundle applies its CSS through
 * adoptedStyleSheets, which style-src does not govern).
 */
import { createHash } from 'node:crypto';
import type { ComparisonReport } from './compare.js';
import { jsonForScript, scriptSafe } from './reportHtml.js';

/** Must match COMPARE_REPORT_ELEMENT_ID in webview-ui/src/compare/host.ts. */
export const COMPARE_REPORT_SCRIPT_ID = 'bitnet-compare-report';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderComparisonHtml(report: ComparisonReport, bundleJs: string): string {
  const js = scriptSafe(bundleJs);
  const hash = `'sha256-${createHash('sha256').update(js, 'utf8').digest('base64')}'`;
  const csp = ["default-src 'none'", `script-src ${hash}`, "style-src 'none'", 'img-src data:', "base-uri 'none'", "form-action 'none'"].join('; ');
  const base = report.file.split(/[\\/]/).pop() ?? report.file;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(report.provenance.tool)}">
<title>BitNet comparison — ${escapeHtml(base)}</title>
</head>
<body>
<script type="application/json" id="${COMPARE_REPORT_SCRIPT_ID}">${jsonForScript(report)}</script>
<script type="module">${js}</script>
</body>
</html>
`;
}
