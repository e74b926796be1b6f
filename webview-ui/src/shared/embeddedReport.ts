/** A report a static page carries as `<script type="application/json" id=…>` (see src/core/analysis/selfContainedPage.ts). */
export function embeddedReport<T>(id: string, isReport: (v: unknown) => v is T, doc: Document = document): T | undefined {
  const node = doc.getElementById(id);
  if (!node?.textContent) return undefined;
  const value = JSON.parse(node.textContent) as unknown;
  return isReport(value) ? value : undefined;
}
