/**
 * Messages between the extension host and the checkpoint inspector webview.
 * One discriminated union per direction. The host validates every incoming
 * message with `parseInspectorRequest` before acting on it; the webview can
 * only ever ask about the document it was opened for (no paths travel
 * from the webview to the host).
 */
import type { CheckpointReport, ReportTotals, TensorReport, Provenance } from '../core/analysis/report.js';
import * as v from 'valibot';
import { QUANT_METHODS, type QuantMethod } from '../core/quant/types.js';
import type { QualityEvent, QualityRequest } from './models.js';
import { id, parseMessage } from './schema.js';

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
      /** What the user should know about the settings (an exclude pattern that matches nothing); absent when none. */
      warnings?: string[];
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

/** The inspector's own requests, validated on receipt (the page is untrusted). */
export const InspectorOwnRequestSchema = v.variant('type', [
  v.strictObject({ type: v.literal('ready') }),
  v.strictObject({ type: v.literal('getHistogram'), requestId: id, name: v.pipe(v.string(), v.maxLength(4096)) }),
  v.strictObject({ type: v.literal('reanalyze'), method: v.picklist(QUANT_METHODS) }),
  v.strictObject({ type: v.literal('cancel') }),
  v.strictObject({ type: v.literal('exportReport'), format: v.picklist(['json', 'html']) }),
  v.strictObject({ type: v.literal('openSettings') }),
]);

export type InspectorRequest =
  | v.InferOutput<typeof InspectorOwnRequestSchema>
  /** The Quality section's buttons; validated by parseQualityRequest, not here. */
  | QualityRequest;

/**
 * Validate an untrusted message from the webview. Returns undefined for
 * anything malformed, which the host ignores; `onError` receives the reason
 * (message type and path) for the log.
 */
export function parseInspectorRequest(raw: unknown, onError?: (line: string) => void): InspectorRequest | undefined {
  const r = parseMessage(InspectorOwnRequestSchema, raw, 'from the inspector page');
  if (!r.ok) onError?.(r.error);
  return r.ok ? r.value : undefined;
}

/** Strip the histogram from a TensorReport for the table (histograms travel separately, as binary). */
export function toRow(t: TensorReport): TensorRow {
  if (t.stats === null) return { ...t, stats: null };
  const { histogram, ...rest } = t.stats;
  return { ...t, stats: { ...rest, histogramBins: histogram.counts.length } };
}
