/**
 * The inspector's data, built only from host events. `applyEvent` is a
 * reducer that mutates in place (10,000 rows must not be copied per batch)
 * and bumps `version` so views know to re-render.
 */
import type { AnalysisSettings, InspectorEvent, TensorRow } from '../../../src/protocol/inspector.js';
import type { CheckpointReport, Provenance, ReportTotals } from '../../../src/core/analysis/report.js';

export type Phase = 'waiting' | 'analyzing' | 'done' | 'cancelled' | 'failed';

export interface InspectorData {
  phase: Phase;
  fileName: string;
  format: CheckpointReport['format'] | '';
  metadata: Record<string, string>;
  /** The header report's warnings about the settings, shown above the table. */
  warnings: string[];
  rows: TensorRow[];
  /** name → index into rows */
  index: Map<string, number>;
  totals: ReportTotals | undefined;
  settings: AnalysisSettings | undefined;
  progress: { done: number; total: number; label: string } | undefined;
  provenance: Provenance | undefined;
  backend: string;
  cached: boolean;
  error: { message: string; code: string; recoverable: boolean } | undefined;
  version: number;
}

export function emptyData(): InspectorData {
  return {
    phase: 'waiting', fileName: '', format: '', metadata: {}, warnings: [], rows: [], index: new Map(), totals: undefined,
    settings: undefined, progress: undefined, provenance: undefined, backend: '', cached: false, error: undefined, version: 0,
  };
}

/** Events the reducer does not consume (histogram replies, reveal) return false. */
export function applyEvent(d: InspectorData, e: InspectorEvent): boolean {
  switch (e.type) {
    case 'init':
      d.fileName = e.fileName;
      d.format = e.format;
      d.metadata = e.metadata;
      d.warnings = e.warnings ?? [];
      d.rows = e.rows.slice();
      d.index = new Map(d.rows.map((r, i) => [r.name, i]));
      d.totals = e.totals;
      d.settings = e.settings;
      d.error = undefined;
      d.provenance = undefined;
      d.progress = undefined;
      d.phase = 'analyzing';
      break;
    case 'rows':
      for (const r of e.rows) {
        const i = d.index.get(r.name);
        if (i === undefined) {
          d.index.set(r.name, d.rows.length);
          d.rows.push(r);
        } else d.rows[i] = r;
      }
      break;
    case 'progress':
      d.progress = { done: e.done, total: e.total, label: e.label };
      if (d.phase !== 'failed') d.phase = 'analyzing';
      break;
    case 'analysisDone':
      d.totals = e.totals;
      d.provenance = e.provenance;
      d.backend = e.backend;
      d.cached = e.cached;
      d.progress = undefined;
      d.phase = 'done';
      break;
    case 'analysisCancelled':
      d.progress = undefined;
      d.phase = 'cancelled';
      break;
    case 'error':
      d.error = { message: e.message, code: e.code, recoverable: e.recoverable };
      d.progress = undefined;
      d.phase = 'failed';
      break;
    default:
      return false;
  }
  d.version++;
  return true;
}

/** Which settings method the current numbers were computed with. */
export function currentMethod(d: InspectorData): string {
  const fromProv = d.provenance?.settings?.['method'];
  return typeof fromProv === 'string' ? fromProv : d.settings?.method ?? 'absmean';
}
