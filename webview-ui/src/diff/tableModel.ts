/** Columns of the diff panel's tensor table and their sort order (pure, testable without a DOM). */
import type { TensorDiff } from '../../../src/core/analysis/diff.js';
import { formatCount, formatPercent, formatSig } from '../shared/format.js';

export interface DiffColumn {
  key: string;
  title: string;
  /** Sort value; strings sort by name. */
  value: (t: TensorDiff) => number | string;
  text: (t: TensorDiff) => string;
  numeric: boolean;
}

const signedPercent = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${formatPercent(Math.abs(x), 2)}` : '—');

export const DIFF_COLUMNS: DiffColumn[] = [
  { key: 'name', title: 'tensor', value: (t) => t.name, text: (t) => t.name, numeric: false },
  { key: 'params', title: 'params', value: (t) => t.params, text: (t) => formatCount(t.params), numeric: true },
  { key: 'flipRate', title: 'flip rate', value: (t) => t.flipRate, text: (t) => formatPercent(t.flipRate, 2), numeric: true },
  { key: 'gamma', title: 'γ a → b', value: (t) => t.gammaA, text: (t) => `${formatSig(t.gammaA, 4)} → ${formatSig(t.gammaB, 4)}`, numeric: true },
  { key: 'relDeltaGamma', title: 'Δγ', value: (t) => t.relDeltaGamma, text: (t) => signedPercent(t.relDeltaGamma), numeric: true },
  { key: 'sparsity', title: 'zeros a → b', value: (t) => t.sparsityA, text: (t) => `${formatPercent(t.sparsityA, 1)} → ${formatPercent(t.sparsityB, 1)}`, numeric: true },
  { key: 'deltaSparsity', title: 'Δzeros', value: (t) => t.deltaSparsity, text: (t) => signedPercent(t.deltaSparsity), numeric: true },
];

export function columnOf(key: string): DiffColumn {
  return DIFF_COLUMNS.find((c) => c.key === key) ?? DIFF_COLUMNS[0]!;
}

/** Stable sort; NaN last whichever the direction, names as the tie-break. */
export function sortTensors(rows: readonly TensorDiff[], key: string, descending: boolean): TensorDiff[] {
  const col = columnOf(key);
  const dir = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = col.value(a);
    const vb = col.value(b);
    if (typeof va === 'number' && typeof vb === 'number') {
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      if (na || nb) return na === nb ? a.name.localeCompare(b.name) : na ? 1 : -1;
      if (va !== vb) return (va - vb) * dir;
      return a.name.localeCompare(b.name);
    }
    return String(va).localeCompare(String(vb), undefined, { numeric: true }) * dir;
  });
}
