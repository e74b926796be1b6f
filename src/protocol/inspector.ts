/**
 * Messages between the extension host and the checkpoint inspector webview.
 * One discriminated union per direction. The host validates every incoming
 * message with `parseInspectorRequest` before acting on it; the webview can
 * only ever ask about the document it was opened for (no paths travel
 * from the webview to the host).
 */
import type { TensorReport } from '../core/analysis/report.js';
import * as v from 'valibot';
import { QUANT_METHODS, type QuantMethod } from '../core/quant/types.js';
import { QualityEventSchema, type QualityRequest } from './models.js';
import { CheckpointFormatSchema, ProvenanceSchema, ReportTotalsSchema, tensorEntries, tensorStatsEntries } from './reportSchemas.js';
import { anyNumber, id, numbers, parseMessage } from './schema.js';

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

export const TensorRowSchema = v.strictObject({
  ...tensorEntries,
  stats: v.nullable(v.strictObject({ ...tensorStatsEntries, histogramBins: v.number() })),
}) satisfies v.GenericSchema<TensorRow>;

const AnalysisSettingsSchema = v.strictObject({
  method: v.picklist(QUANT_METHODS),
  include: v.array(v.string()),
  exclude: v.array(v.string()),
  backend: v.string(),
}) satisfies v.GenericSchema<AnalysisSettings>;

/**
 * Host → inspector page (and, with `clear`, the sidebar summary), checked by
 * the page on receipt. Rows are checked field by field: 10,000 of them cost
 * a few milliseconds (bench/protocol.bench.ts), far below drawing them.
 */
const inspectorEventOptions = [
  /** Sent at once after `ready`: header-only information, every row with stats = null. */
  v.strictObject({
    type: v.literal('init'),
    fileName: v.string(),
    format: CheckpointFormatSchema,
    metadata: v.record(v.string(), v.string()),
    rows: v.array(TensorRowSchema),
    totals: ReportTotalsSchema,
    settings: AnalysisSettingsSchema,
  }),
  /** Rows whose statistics have just been computed (streamed in batches). */
  v.strictObject({ type: v.literal('rows'), rows: v.array(TensorRowSchema) }),
  v.strictObject({ type: v.literal('progress'), done: anyNumber, total: anyNumber, label: v.string() }),
  v.strictObject({ type: v.literal('analysisDone'), totals: ReportTotalsSchema, provenance: ProvenanceSchema, backend: v.string(), cached: v.boolean() }),
  v.strictObject({ type: v.literal('analysisCancelled') }),
  /** A failure: of the whole file (place names file/offset) or of the job process. */
  v.strictObject({ type: v.literal('error'), message: v.string(), code: v.string(), recoverable: v.boolean() }),
  /** Reply to getHistogram: edges has bins + 1 float64 values, counts bins float64 values. */
  v.strictObject({
    type: v.literal('histogram'),
    requestId: id,
    name: v.string(),
    edges: v.instance(ArrayBuffer),
    counts: v.instance(ArrayBuffer),
    thresholds: numbers,
    gamma: anyNumber,
  }),
  /** Select and scroll to a tensor (the sidebar asked). */
  v.strictObject({ type: v.literal('reveal'), name: v.string() }),
  /** The Quality section's state (src/protocol/models.ts). */
  QualityEventSchema,
] as const;

export const InspectorEventSchema = v.variant('type', inspectorEventOptions);
export type InspectorEvent = v.InferOutput<typeof InspectorEventSchema>;

/** The sidebar summary reads the inspector's events, and `clear` when no checkpoint is active. */
export const SummaryEventSchema = v.variant('type', [...inspectorEventOptions, v.strictObject({ type: v.literal('clear') })]);
export type SummaryEvent = v.InferOutput<typeof SummaryEventSchema>;

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
