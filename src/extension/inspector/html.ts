/**
 * The inspector page shell. Everything the page may load is named in a
 * strict Content-Security-Policy: no inline script without the per-load
 * nonce, no eval, no network, styles and images only from the extension's
 * own resource roots (plus data: images, which the charts export).
 */
import { randomBytes } from 'node:crypto';

export interface PageAssets {
  /** webview.cspSource */
  cspSource: string;
  /** asWebviewUri of dist/webview/<entry>.js, or undefined when the bundle is missing. */
  scriptUri: string | undefined;
  /** asWebviewUri of dist/webview/<entry>.css when it exists. */
  styleUri?: string;
  title: string;
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function webviewPageHtml(assets: PageAssets): string {
  const nonce = assets.nonce ?? makeNonce();
  const style = assets.styleUri ? `<link rel="stylesheet" href="${escapeHtml(assets.styleUri)}" nonce="${nonce}">` : '';
  const body = assets.scriptUri
    ? `<script type="module" nonce="${nonce}" src="${escapeHtml(assets.scriptUri)}"></script>`
    : `<p style="padding:1em">The BitNet Lab inspector UI is missing from this build (dist/webview). Run <code>npm run build</code> and reopen the file.</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(assets.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(assets.title)}</title>
${style}
</head>
<body>
${body}
</body>
</html>`;
}
