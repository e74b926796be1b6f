/**
 * Number formatting shared by the CLI and the webviews (pure: the webview
 * bundles import it too).
 */

/** Decimal units (1 KB = 1000 B) with three significant digits: 512 B, 1.50 KB, 12.3 MB, 512 MB; never "NaN". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}
