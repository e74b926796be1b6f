/**
 * Where the inspector's events come from. Inside VS Code it is the extension
 * host (postMessage both ways). In an exported HTML report there is no host:
 * `StaticHost` replays the embedded report as the same events, so one UI
 * serves both.
 */
import type { InspectorEvent, InspectorRequest } from '../../../src/protocol/inspector.js';
import { toRow } from '../../../src/protocol/inspector.js';
import type { CheckpointReport } from '../../../src/core/analysis/report.js';
import { getVsCodeApi } from '../shared/vscodeApi.js';
import type { SortSpec } from './tableModel.js';

/** What survives hide/show and reload. */
export interface ViewState {
  filter: string;
  sort: SortSpec | undefined;
  selected: string | undefined;
  detail: string | undefined;
  scrollTop: number;
}

export interface InspectorHost {
  readonly mode: 'live' | 'static';
  post(req: InspectorRequest): void;
  onEvent(cb: (e: InspectorEvent) => void): void;
  loadState(): ViewState | undefined;
  saveState(s: ViewState): void;
}

function isEvent(x: unknown): x is InspectorEvent {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

class LiveHost implements InspectorHost {
  readonly mode = 'live';
  constructor(private readonly api: NonNullable<ReturnType<typeof getVsCodeApi<ViewState, InspectorRequest>>>) {}
  post(req: InspectorRequest): void {
    this.api.postMessage(req);
  }
  onEvent(cb: (e: InspectorEvent) => void): void {
    window.addEventListener('message', (ev: MessageEvent) => {
      if (isEvent(ev.data)) cb(ev.data);
    });
  }
  loadState(): ViewState | undefined {
    return this.api.getState();
  }
  saveState(s: ViewState): void {
    this.api.setState(s);
  }
}

export const REPORT_ELEMENT_ID = 'bitnet-report';

/** Replays an embedded CheckpointReport; histograms come from the report itself. */
export class StaticHost implements InspectorHost {
  readonly mode = 'static';
  private listener: ((e: InspectorEvent) => void) | undefined;
  constructor(private readonly report: CheckpointReport | undefined, private readonly problem?: string) {}

  post(req: InspectorRequest): void {
    // Deliver asynchronously, as a real host would.
    queueMicrotask(() => this.answer(req));
  }

  private emit(e: InspectorEvent): void {
    this.listener?.(e);
  }

  private answer(req: InspectorRequest): void {
    const r = this.report;
    if (req.type === 'ready') {
      if (r === undefined) {
        this.emit({ type: 'error', message: this.problem ?? 'This page holds no report.', code: 'E_NO_REPORT', recoverable: false });
        return;
      }
      this.emit({
        type: 'init', fileName: r.file, format: r.format, metadata: r.metadata, rows: r.tensors.map(toRow), totals: r.totals,
        settings: { method: r.method, include: [], exclude: [], backend: r.backend },
        ...(r.warnings?.length ? { warnings: r.warnings } : {}),
      });
      this.emit({ type: 'analysisDone', totals: r.totals, provenance: r.provenance, backend: r.backend, cached: false });
    } else if (req.type === 'getHistogram' && r !== undefined) {
      const t = r.tensors.find((x) => x.name === req.name);
      if (t?.stats == null) return;
      this.emit({
        type: 'histogram', requestId: req.requestId, name: t.name,
        edges: Float64Array.from(t.stats.histogram.edges).buffer, counts: Float64Array.from(t.stats.histogram.counts).buffer,
        thresholds: t.stats.thresholds, gamma: t.stats.gamma,
      });
    }
  }

  onEvent(cb: (e: InspectorEvent) => void): void {
    this.listener = cb;
  }
  // history.state survives a reload of a file:// page without storage permissions.
  loadState(): ViewState | undefined {
    const s = (history.state as { bitnetInspector?: ViewState } | null)?.bitnetInspector;
    return s ?? undefined;
  }
  saveState(s: ViewState): void {
    try {
      history.replaceState({ bitnetInspector: s }, '');
    } catch {
      // Some sandboxed frames refuse history writes; state is then per-session only.
    }
  }
}

/** Read the report a static export embeds as <script type="application/json" id="bitnet-report">. */
export function readEmbeddedReport(doc: Document = document): { report?: CheckpointReport; problem?: string } {
  const el = doc.getElementById(REPORT_ELEMENT_ID);
  if (el === null) return { problem: 'No VS Code host and no embedded report: open this inspector from VS Code or an exported report.' };
  try {
    const report = JSON.parse(el.textContent ?? '') as CheckpointReport;
    if (!Array.isArray(report?.tensors)) return { problem: 'The embedded report is not a BitNet Lab checkpoint report.' };
    return { report };
  } catch (e) {
    return { problem: `The embedded report is not valid JSON: ${(e as Error).message}` };
  }
}

export function connectHost(): InspectorHost {
  const api = getVsCodeApi<ViewState, InspectorRequest>();
  if (api !== undefined) return new LiveHost(api);
  const { report, problem } = readEmbeddedReport();
  return new StaticHost(report, problem);
}
