/**
 * Feeds one page (an inspector panel or the sidebar summary) with a model's
 * events: a full replay when the page says it is ready, then the live stream
 * with rows rate-limited. Pages that are not ready get nothing — they replay
 * on 'ready', which is the only synchronisation they need.
 */
import type { InspectorEvent, TensorRow } from '../../protocol/inspector.js';
import type { CheckpointModel, ModelEvent } from '../checkpointModel.js';
import { analyzedRows, doneEvent, errorEvent, initEvent, syncEvents } from './events.js';
import { RowStreamer } from './rowStreamer.js';

/** The sidebar summary also understands 'clear' (no active checkpoint). */
export type PageEvent = InspectorEvent | { type: 'clear' };

export class EventPump {
  private ready = false;
  private readonly streamer: RowStreamer<TensorRow>;
  private subscription: { dispose(): void } | undefined;
  /** Messages posted so far (tests read it). */
  posted = 0;

  constructor(private model: CheckpointModel | undefined, private readonly postRaw: (e: PageEvent) => void) {
    this.streamer = new RowStreamer<TensorRow>((rows) => this.post({ type: 'rows', rows }));
    this.subscribe();
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** The page (re)loaded: replay everything. */
  pageReady(): void {
    this.ready = true;
    this.resync();
  }

  /** Follow another model (the summary view follows the active checkpoint). */
  follow(model: CheckpointModel | undefined): void {
    if (model === this.model) return;
    this.model = model;
    this.subscribe();
    // What the page shows belonged to the previous checkpoint.
    if (this.ready && model) this.postRaw({ type: 'clear' });
    this.resync();
  }

  post(event: InspectorEvent): void {
    if (!this.ready) return;
    this.posted++;
    this.postRaw(event);
  }

  dispose(): void {
    this.streamer.dispose();
    this.subscription?.dispose();
  }

  private resync(): void {
    this.streamer.clear();
    if (!this.ready) return;
    if (!this.model) {
      this.postRaw({ type: 'clear' });
      return;
    }
    for (const e of syncEvents(this.model)) this.post(e);
  }

  private subscribe(): void {
    this.subscription?.dispose();
    this.subscription = this.model?.onEvent((e) => this.onModelEvent(e));
  }

  private onModelEvent(e: ModelEvent): void {
    const model = this.model;
    if (!model) return;
    switch (e.type) {
      case 'header':
      case 'reset': {
        this.streamer.clear();
        const init = initEvent(model);
        if (init) this.post(init);
        break;
      }
      case 'tensors':
        this.streamer.push(analyzedRows(e.tensors));
        break;
      case 'progress':
        this.post({ type: 'progress', done: e.done, total: e.total, label: e.label });
        break;
      case 'done': {
        this.streamer.flush();
        const done = doneEvent(model);
        if (done) this.post(done);
        break;
      }
      case 'cancelled':
        this.streamer.flush();
        this.post({ type: 'analysisCancelled' });
        break;
      case 'error':
        this.streamer.flush();
        this.post(errorEvent(e.failure, e.phase));
        break;
      case 'analysisStarted':
        break;
    }
  }
}
