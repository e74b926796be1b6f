/** Columns of the tensor table and the pure sort/filter over row indices. */
import type { TensorRow } from '../../../src/protocol/inspector.js';

export type ColumnKey = 'name' | 'dtype' | 'shape' | 'params' | 'gamma' | 'zero' | 'pm' | 'rmse' | 'sqnr';

export interface ColumnDef {
  key: ColumnKey;
  label: string;
  title: string;
  numeric: boolean;
}

export const COLUMNS: ColumnDef[] = [
  { key: 'name', label: 'name', title: 'Tensor name', numeric: false },
  { key: 'dtype', label: 'dtype', title: 'Stored dtype', numeric: false },
  { key: 'shape', label: 'shape', title: 'Shape', numeric: false },
  { key: 'params', label: 'params', title: 'Number of parameters', numeric: true },
  { key: 'gamma', label: 'γ', title: 'Scale factor γ chosen by the quantizer', numeric: true },
  { key: 'zero', label: 'zero %', title: 'Share of weights quantized to 0 (sparsity)', numeric: true },
  { key: 'pm', label: '+1 / −1 %', title: 'Share of +1 and −1 codes (sorts by +1 share)', numeric: true },
  { key: 'rmse', label: 'rel. RMSE', title: '‖W − γQ‖ / ‖W‖', numeric: true },
  { key: 'sqnr', label: 'SQNR dB', title: 'Signal-to-quantization-noise ratio', numeric: true },
];

export type SortDir = 'asc' | 'desc';
export interface SortSpec {
  key: ColumnKey;
  dir: SortDir;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function total(r: TensorRow): number {
  const s = r.stats;
  return s === null ? 0 : s.zeros + s.plus + s.minus;
}

/** Numeric sort value, or undefined when the row has none (sorted last either way). */
function numericValue(r: TensorRow, key: ColumnKey): number | undefined {
  if (key === 'params') return r.params;
  const s = r.stats;
  if (s === null) return undefined;
  switch (key) {
    case 'gamma':
      return s.gamma;
    case 'zero':
      return s.zeroFraction;
    case 'pm': {
      const n = total(r);
      return n > 0 ? s.plus / n : undefined;
    }
    case 'rmse':
      return s.relRmse;
    case 'sqnr':
      return s.sqnrDb;
    default:
      return undefined;
  }
}

function textValue(r: TensorRow, key: ColumnKey): string {
  if (key === 'name') return r.name;
  if (key === 'dtype') return r.dtype;
  return r.shape.join('×');
}

/** Indices of rows matching `filter` (case-insensitive substring of the name), in `sort` order (file order when none). */
export function viewIndices(rows: readonly TensorRow[], filter: string, sort: SortSpec | undefined): number[] {
  const f = filter.trim().toLowerCase();
  const idx: number[] = [];
  for (let i = 0; i < rows.length; i++) if (f === '' || rows[i]!.name.toLowerCase().includes(f)) idx.push(i);
  if (sort === undefined) return idx;
  const sign = sort.dir === 'asc' ? 1 : -1;
  const col = COLUMNS.find((c) => c.key === sort.key)!;
  if (col.numeric) {
    const vals = new Float64Array(rows.length);
    for (const i of idx) {
      const v = numericValue(rows[i]!, sort.key);
      vals[i] = v === undefined || Number.isNaN(v) ? NaN : v;
    }
    idx.sort((a, b) => {
      const va = vals[a]!;
      const vb = vals[b]!;
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      if (na || nb) return na === nb ? a - b : na ? 1 : -1;
      return va === vb ? a - b : (va < vb ? -1 : 1) * sign;
    });
  } else if (sort.key === 'shape') {
    idx.sort((a, b) => (rows[a]!.params - rows[b]!.params) * sign || collator.compare(textValue(rows[a]!, 'shape'), textValue(rows[b]!, 'shape')) * sign || a - b);
  } else {
    idx.sort((a, b) => collator.compare(textValue(rows[a]!, sort.key), textValue(rows[b]!, sort.key)) * sign || a - b);
  }
  return idx;
}
