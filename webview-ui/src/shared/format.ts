/** Number formatting shared by the webviews: compact, unit-aware, never "NaN". */

export { formatBytes } from '../../../src/core/format.js';

/** Parameter counts the way model cards write them: 2.41B, 6.55M, 4,096. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(a >= 1e11 ? 0 : 2)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e8 ? 0 : 2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return n.toLocaleString('en-US');
}

export function formatPercent(fraction: number, digits = 1): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : '—';
}

/** Small floats (γ ≈ 0.01) keep 3 significant digits; large ones are fixed. */
export function formatSig(x: number, sig = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '−Inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-4) return x.toExponential(sig - 1);
  return x.toPrecision(sig).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function formatFactor(x: number): string {
  return Number.isFinite(x) && x > 0 ? `×${x >= 10 ? x.toFixed(1) : x.toFixed(2)}` : '—';
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
