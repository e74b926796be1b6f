/**
 * Apply a stylesheet shipped inside the bundle (esbuild's text loader)
 * through adoptedStyleSheets: no <style> element and no 'unsafe-inline'
 * needed under the webview's CSP.
 */
export function adoptCss(cssText: string, doc: Document = document): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(cssText);
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
}
