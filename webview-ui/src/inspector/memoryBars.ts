/** Bars of the memory chart: the checkpoint's size per storage format, with savings factors. */
import type { MemoryByFormat } from '../../../src/core/analysis/report.js';
import type { Bar } from '../shared/charts/index.js';
import { formatBytes, formatFactor } from '../shared/format.js';

interface FormatRow {
  key: keyof MemoryByFormat;
  label: string;
  colorIndex: number;
  muted?: boolean;
}

// bpw figures: TQ2_0 66 B / 256 weights, TQ1_0 54 B / 256 (bitnet-reference.md §4b); HF packs 4 codes per byte.
const FORMATS: FormatRow[] = [
  { key: 'asStored', label: 'as stored', colorIndex: 9, muted: true },
  { key: 'f16', label: 'F16', colorIndex: 0 },
  { key: 'int8', label: 'INT8', colorIndex: 0 },
  { key: 'hfBitnet', label: 'HF packed (2 bpw)', colorIndex: 3 },
  { key: 'tq2_0', label: 'TQ2_0 (2.06 bpw)', colorIndex: 3 },
  { key: 'tq1_0', label: 'TQ1_0 (1.69 bpw)', colorIndex: 3 },
  { key: 'ideal', label: 'ideal (1.58 bit)', colorIndex: 4 },
];

/** Column headers; "vs F16" only when it differs from "vs stored" (a 16-bit checkpoint would repeat it). */
export function memoryColumns(m: MemoryByFormat): string[] {
  return m.asStored === m.f16 ? ['size', 'vs stored = F16'] : ['size', 'vs stored', 'vs F16'];
}

export function memoryBars(m: MemoryByFormat): Bar[] {
  const both = m.asStored !== m.f16;
  return FORMATS.map((f) => {
    const v = m[f.key];
    const cells = [formatBytes(v), formatFactor(m.asStored / v)];
    if (both) cells.push(formatFactor(m.f16 / v));
    return { label: f.label, value: v, colorIndex: f.colorIndex, muted: f.muted ?? false, cells };
  });
}
