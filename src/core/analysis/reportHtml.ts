/**
 * A self-contained HTML report: the inspector webview's own bundle in static
 * mode, with the report embedded as JSON. It needs no network and no VS Code;
 * a Content-Security-Policy pinned to the hashes of the two inline blocks
 * stops it from loading or running anything else.
 */
import { createHash } from 'node:crypto';
import type { CheckpointReport } from './report.js';

/** Must match REPORT_ELEMENT_ID in webview-ui/src/inspector/host.ts. */
export const REPORT_SCRIPT_ID = 'bitnet-report';

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** For text and double-quoted attribute values (a CSP keeps its single quotes readable). */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end its <script> block early: every '<' becomes \u003c (still the same JSON value). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * '</script' inside the bundle would close the element; '<\/script' means the
 * same in JS strings, templates and regular expressions.
 */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

export function renderReportHtml(report: CheckpointReport, bundleJs: string, css?: string): string {
  // A source-map comment would point at a file the report does not carry.
  const js = scriptSafe(bundleJs.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'));
  const style = css === undefined ? undefined : css.replace(/<\/(style)/gi, '<\\/$1');
  const base = report.file.split(/[\\/]/).pop() ?? report.file;
  // adoptedStyleSheets (how the bundle applies its CSS) are not governed by style-src;
  // an optional extra <style> block is allowed by its hash only.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    style === undefined ? "style-src 'none'" : `style-src ${sha256(style)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(report.provenance?.tool ?? 'bitnet-lab')}">
<title>BitNet report — ${escapeHtml(base)}</title>
${style === undefined ? '' : `<style>${style}</style>\n`}</head>
<body>
<script type="application/json" id="${REPORT_SCRIPT_ID}">${jsonForScript(report)}</script>
<script type="module">${js}</script>
</body>
</html>
`;
}
