/**
 * The forward pass is synchronous; between chunks of work we hand the event
 * loop a turn so Ctrl-C (an AbortSignal fed by SIGINT or the job process)
 * can be seen, then stop if it fired.
 */
import { throwIfAborted, type ErrorPlace } from '../errors.js';

export function yieldToEvents(signal: AbortSignal | undefined, place: ErrorPlace): Promise<void> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        throwIfAborted(signal, place);
        resolve();
      } catch (e) {
        reject(e);
      }
    });
  });
}
