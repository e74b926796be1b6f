/**
 * Messages between the extension host and the checkpoint inspector webview.
 * One discriminated union per direction. The host validates every incoming
 * message with `parseInspectorRequest` before acting on it; the webview can
 * only ever ask about the document it was opened for (no paths travel
 * from the webview to the host).
 */
import type { CheckpointReport, ReportTotals, TensorReport, Provenance } from '../core/analysis/report.js';
import type { QuantMethod } from '../core/quant/types.js';
import type { QualityEvent, QualityRequest } from './models.js';

/** A table row: a TensorReport without the histogram (that is fetched on demand, as binary). */
export type TensorRow = Omit<TensorReport, 'stats'> & {
  stats: (Omit<NonNullable<TensorReport['stats']>, 'histogram'> & { histogramBins: number }) | null;
};

export interface AnalysisSettings {
  method: QuantMethod;
  include: string[];
  exclude: string[];
  backend: string;
}

// ---------------------------------------------------------------- host → webview

export type InspectorEvent =
  /** Sent at once after `ready`: header-only information, every row with stats = null. */
  | {
      type: 'init';
      fileName: string;
      format: CheckpointReport['format'];
      metadata: Record<string, string>;
      rows: TensorRow[];
      totals: ReportTotals;
      settings: AnalysisSettings;
    }
  /** Rows whose statistics have just been computed (streamed in batches). */
  | { type: 'rows'; rows: TensorRow[] }
  | { type: 'progress'; done: number; total: number; label: string }
  | { type: 'analysisDone'; totals: ReportTotals; provenance: Provenance; backend: string; cached: boolean }
  | { type: 'analysisCancelled' }
  /** A failure: of the whole file (place names file/offset) or of the job process. */
  | { type: 'error'; message: string; code: string; recoverable: boolean }
  /** Reply to getHistogram: edges has bins + 1 float64 values, counts bins float64 values. */
  | { type: 'histogram'; requestId: number; name: string; edges: ArrayBuffer; counts: ArrayBuffer; thresholds: number[]; gamma: number }
  /** Select and scroll to a tensor (the sidebar asked). */
  | { type: 'reveal'; name: string }
  /** The Quality section's state (src/protocol/models.ts). */
  | QualityEvent;

// ---------------------------------------------------------------- webview → host

export type InspectorRequest =
  | { type: 'ready' }
  | { type: 'getHistogram'; requestId: number; name: string }
  | { type: 'reanalyze'; method: QuantMethod }
  | { type: 'cancel' }
  | { type: 'exportReport'; format: 'json' | 'html' }
  | { type: 'openSettings' }
  /** The Quality section's buttons; validated by parseQualityRequest, not here. */
  | QualityRequest;

const METHODS = new Set(['absmean', 'median', 'sign']);

/**
 * Validate an untrusted message from the webview. Returns undefined for
 * anything malformed, which the host ignores (and logs).
 */
export function parseInspectorRequest(raw: unknown): InspectorRequest | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'cancel':
    case 'openSettings':
      return { type: m.type };
    case 'getHistogram':
      if (Number.isSafeInteger(m.requestId) && typeof m.name === 'string' && m.name.length <= 4096) {
        return { type: 'getHistogram', requestId: m.requestId as number, name: m.name };
      }
      return undefined;
    case 'reanalyze':
      return typeof m.method === 'string' && METHODS.has(m.method) ? { type: 'reanalyze', method: m.method as QuantMethod } : undefined;
    case 'exportReport':
      return m.format === 'json' || m.format === 'html' ? { type: 'exportReport', format: m.format } : undefined;
    default:
      return undefined;
  }
}

/** Strip the histogram from a TensorReport for the table (histograms travel separately, as binary). */
export function toRow(t: TensorReport): TensorRow {
  if (t.stats === null) return { ...t, stats: null };
  const { histogram, ...rest } = t.stats;
  return { ...t, stats: { ...rest, histogramBins: histogram.counts.length } };
}
