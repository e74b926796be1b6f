/**
 * Host → page messages, checked on receipt against the schema that types
 * them (src/protocol). A message that does not fit is refused with one line
 * in the console naming the message, the place in it and what was wrong —
 * the page keeps its state and keeps listening; the listener never throws.
 */
import type * as v from 'valibot';
import { parseMessage } from '../../../src/protocol/schema.js';

/** The refusal line, e.g. `BitNet Lab: ignored "rows" message from the host (training panel): rows.0.stats.gamma: expected a number`. */
export function refusal(error: string): string {
  return `BitNet Lab: ignored ${error}`;
}

export function onHostMessage<S extends v.GenericSchema>(schema: S, page: string, handle: (m: v.InferOutput<S>) => void): void {
  window.addEventListener('message', (ev: MessageEvent) => {
    const r = parseMessage(schema, ev.data, `from the host (${page})`);
    if (r.ok) handle(r.value);
    else console.warn(refusal(r.error));
  });
}
