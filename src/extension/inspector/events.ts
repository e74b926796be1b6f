/**
 * Model state → inspector messages. Pure, so what the page receives for a
 * given state (first sync, a failure, a histogram) is unit-tested.
 */
import type { TensorReport } from '../../core/analysis/report.js';
import type { InspectorEvent } from '../../protocol/inspector.js';
import { toRow } from '../../protocol/inspector.js';
import type { JobFailure } from '../../protocol/jobs.js';
import type { CheckpointModel } from '../checkpointModel.js';
import { unmatchedPatternWarnings } from '../../core/quant/selection.js';

type ModelView = Pick<CheckpointModel, 'header' | 'fileName' | 'settings' | 'report' | 'phase' | 'failure' | 'totals' | 'lastCached'> & {
  tensorList(): TensorReport[];
};

export function initEvent(model: ModelView): InspectorEvent | undefined {
  const h = model.header;
  if (!h) return undefined;
  return {
    type: 'init',
    fileName: model.fileName,
    format: h.format,
    metadata: h.metadata,
    rows: h.tensors.map(toRow),
    totals: h.totals,
    settings: { ...model.settings },
    ...withWarnings(unmatchedPatternWarnings(namesOf(h.tensors), model.settings, 'settings')),
  };
}

/** Recomputed from the current settings, not the header's: a settings change re-sends init without re-reading the file. */
function withWarnings(warnings: string[]): { warnings?: string[] } {
  return warnings.length > 0 ? { warnings } : {};
}

function* namesOf(tensors: readonly TensorReport[]): Iterable<string> {
  for (const t of tensors) yield t.name;
}

/** Header failures make the file unreadable (not recoverable by re-analysing); analysis failures can be retried. */
export function errorEvent(failure: JobFailure, phase: 'open' | 'analyze'): InspectorEvent {
  return { type: 'error', message: failure.message, code: failure.code, recoverable: phase === 'analyze' || failure.code === 'crash' };
}

export function doneEvent(model: ModelView): InspectorEvent | undefined {
  const r = model.report;
  if (!r) return undefined;
  return { type: 'analysisDone', totals: r.totals, provenance: r.provenance, backend: r.backend, cached: model.lastCached };
}

/** Rows worth sending after init: tensors with statistics or a tensor-level error. */
export function analyzedRows(tensors: readonly TensorReport[]): ReturnType<typeof toRow>[] {
  return tensors.filter((t) => t.stats !== null || t.error !== undefined).map(toRow);
}

/**
 * Everything a freshly loaded (or reloaded) page needs, in order. The page
 * may have been hidden and rebuilt at any moment, so this is the only
 * synchronisation it ever needs.
 */
export function syncEvents(model: ModelView): InspectorEvent[] {
  const out: InspectorEvent[] = [];
  const init = initEvent(model);
  if (init) out.push(init);
  const rows = analyzedRows(model.tensorList());
  if (init && rows.length > 0) out.push({ type: 'rows', rows });
  if (model.phase === 'analyzed') {
    const done = doneEvent(model);
    if (done) out.push(done);
  } else if (model.phase === 'cancelled') {
    out.push({ type: 'analysisCancelled' });
  } else if (model.phase === 'failed' && model.failure) {
    out.push(errorEvent(model.failure, init ? 'analyze' : 'open'));
  }
  return out;
}

/** The histogram reply, as two float64 ArrayBuffers; undefined when the tensor has no statistics (yet). */
export function histogramEvent(requestId: number, tensor: TensorReport | undefined): InspectorEvent | undefined {
  const s = tensor?.stats;
  if (!tensor || !s) return undefined;
  return {
    type: 'histogram',
    requestId,
    name: tensor.name,
    edges: Float64Array.from(s.histogram.edges).buffer,
    counts: Float64Array.from(s.histogram.counts).buffer,
    thresholds: [...s.thresholds],
    gamma: s.gamma,
  };
}

/** A histogram reply with no bins, for a tensor that will never have one (not quantizable, failed). */
export function emptyHistogramEvent(requestId: number, name: string): InspectorEvent {
  return { type: 'histogram', requestId, name, edges: new ArrayBuffer(0), counts: new ArrayBuffer(0), thresholds: [], gamma: 0 };
}
