/** How the real-model views name modes and state provenance (shared by Quality and Try it). */
import type { LinearMode, ModelProvenance } from '../../../src/core/model/api.js';
import { formatSig } from '../shared/format.js';

export const MODE_LABELS: Record<LinearMode, string> = {
  fp: 'FP (full precision)',
  ternary: 'BitNet b1.58 ternary (W1.58A8, post-training)',
  stored: 'stored ternary (as in the file)',
};

export const MODE_SHORT: Record<LinearMode, string> = { fp: 'FP', ternary: 'ternary', stored: 'stored' };

/** One line that says where a number comes from: architecture, tokenizer, compute path, threads, machine, settings. */
export function provenanceLine(p: ModelProvenance): string {
  // Measured rates arrive as full doubles: four significant digits say all they can.
  const settings = Object.entries(p.settings).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? formatSig(v, 4) : String(v)}`).join(', ');
  return [p.architecture, `tokenizer: ${p.tokenizer}`, p.compute, `${p.threads} thread${p.threads === 1 ? '' : 's'}`, p.machine, settings].filter((s) => s !== '').join(' · ');
}

/** Tokens per second: whole numbers from 100 up (no exponent), 3 significant digits below. */
export function formatRate(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}
