/** Turning thrown values into plain, IPC-safe failure records. */
import { isBitnetLabError } from '../core/errors.js';
import type { JobFailure } from '../protocol/jobs.js';

export function toFailure(e: unknown): JobFailure {
  if (isBitnetLabError(e)) {
    return { code: e.code, message: e.message, reason: e.reason, place: { ...e.place } };
  }
  // Unexpected exceptions keep their first line only: a stack trace is not a message for a user.
  const text = e instanceof Error ? e.message : String(e);
  const first = text.split('\n')[0] ?? text;
  return { code: 'internal', message: `internal error: ${first}`, reason: first };
}

export function unavailable(kind: string): JobFailure {
  const reason = `"${kind}" is not available in this build of BitNet Lab`;
  return { code: 'unavailable', message: reason, reason };
}
