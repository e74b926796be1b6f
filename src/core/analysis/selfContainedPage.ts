/**
 * The shell of a self-contained HTML page (inspector report, comparison,
 * energy, diff): a webview bundle inline in static mode with its report
 * embedded as JSON. It needs no network and no VS Code; a
 * Content-Security-Policy pinned to the hashes of the inline blocks stops it
 * from loading or running anything else. The bundles apply their CSS through
 * adoptedStyleSheets, which style-src does not govern.
 */
import { createHash } from 'node:crypto';

/** Every character HTML treats specially, as a numeric character reference. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** For text and double-quoted attribute values where single quotes may stay readable (a CSP's 'none'). */
function escapeHtmlKeepingApostrophes(s: string): string {
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

/** A CSP source admitting exactly this inline block. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export interface SelfContainedPage {
  title: string;
  /** id of the JSON <script> block the bundle reads at start. */
  dataElementId: string;
  data: unknown;
  bundleJs: string;
  /** An extra inline <style> block, admitted by its hash. */
  css?: string;
  /** <meta name="generator">, when given. */
  generator?: string;
  /** Leave single quotes unescaped in text and attributes (they need no escaping inside double quotes). */
  keepApostrophes?: boolean;
}

export function renderSelfContainedPage(page: SelfContainedPage): string {
  const esc = page.keepApostrophes ? escapeHtmlKeepingApostrophes : escapeHtml;
  // A source-map comment would point at a file the page does not carry.
  const js = scriptSafe(page.bundleJs.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'));
  const style = page.css === undefined ? undefined : page.css.replace(/<\/(style)/gi, '<\\/$1');
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(js)}`,
    style === undefined ? "style-src 'none'" : `style-src ${cspHash(style)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const generator = page.generator === undefined ? '' : `<meta name="generator" content="${esc(page.generator)}">\n`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
${generator}<title>${esc(page.title)}</title>
${style === undefined ? '' : `<style>${style}</style>\n`}</head>
<body>
<script type="application/json" id="${esc(page.dataElementId)}">${jsonForScript(page.data)}</script>
<script type="module">${js}</script>
</body>
</html>
`;
}
