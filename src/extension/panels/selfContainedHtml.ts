/**
 * A self-contained HTML page for a panel report (energy, diff): the panel's
 * own bundle inline, the report as JSON in a script tag the page reads at
 * start. No network, no VS Code; the CSP admits only the inline script's
 * hash (the bundles apply their CSS through adoptedStyleSheets). Same recipe
 * as renderComparisonHtml in src/core/analysis/compareHtml.ts.
 */
import { createHash } from 'node:crypto';
import { jsonForScript, scriptSafe } from '../../core/analysis/reportHtml.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderSelfContainedHtml(title: string, dataElementId: string, report: unknown, bundleJs: string): string {
  // A source-map comment would point at a file the page does not carry.
  const js = scriptSafe(bundleJs.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'));
  const hash = `'sha256-${createHash('sha256').update(js, 'utf8').digest('base64')}'`;
  const csp = ["default-src 'none'", `script-src ${hash}`, "style-src 'none'", 'img-src data:', "base-uri 'none'", "form-action 'none'"].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<script type="application/json" id="${escapeHtml(dataElementId)}">${jsonForScript(report)}</script>
<script type="module">${js}</script>
</body>
</html>
`;
}
