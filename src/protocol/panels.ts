/**
 * Messages of the report panels (comparison, energy report, checkpoint diff)
 * as the extension host sees them. The pages are webview-ui/src/entries/
 * {compare,energy,diff}.ts; each posts `ready` once listening and `export`
 * from its Export button (the comparison page has none: its export is the
 * panel's title-bar action). Host → page: `report`, `progress`, `error`
 * (the comparison page reads only `report`).
 */
import * as v from 'valibot';
import type { QualityEvent } from './models.js';

export type ReportPanelKind = 'compare' | 'energy' | 'diff';

export const PanelRequestSchema = v.variant('type', [v.strictObject({ type: v.literal('ready') }), v.strictObject({ type: v.literal('export') })]);
export type PanelRequest = v.InferOutput<typeof PanelRequestSchema>;

export type PanelMessage =
  | { type: 'report'; report: unknown }
  | { type: 'progress'; done: number; total: number; label?: string }
  | { type: 'error'; message: string }
  /** Comparison page only: its Quality section on a text (the page posts QualityRequest back). */
  | QualityEvent;

/** Validated on receipt: a page can only ask for these two things. */
export function isPanelRequest(m: unknown): m is PanelRequest {
  return v.is(PanelRequestSchema, m);
}
