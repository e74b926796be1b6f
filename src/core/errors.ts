/**
 * One typed error for everything a user can hand us that is wrong.
 *
 * Every message names the file and, where known, the tensor and the byte
 * offset, so "error: …" on the CLI and the inspector's error page can tell the
 * user exactly where their file is broken without a stack trace.
 */
export type ErrorCode =
  | 'io'              // the file system refused (missing file, permission, short read)
  | 'truncated'       // the file ends before a structure it declares
  | 'header'          // a header that is not what the format says (bad JSON, bad magic, too large)
  | 'dtype'           // a data type we do not know or cannot decode here
  | 'layout'          // shapes, offsets or sizes that contradict each other
  | 'limit'           // a declared size beyond what we are willing to allocate
  | 'shard'           // a sharded checkpoint whose index names a missing or inconsistent file
  | 'unsupported'     // a valid file using a feature we do not implement (said plainly)
  | 'usage'           // the user asked for something that does not fit (e.g. TQ rows not multiple of 256)
  | 'cancelled';      // the user cancelled

export interface ErrorPlace {
  file?: string;
  tensor?: string;
  offset?: number;
}

export class BitnetLabError extends Error {
  override readonly name = 'BitnetLabError';
  constructor(
    readonly code: ErrorCode,
    readonly reason: string,
    readonly place: ErrorPlace = {},
  ) {
    super(formatMessage(reason, place));
  }
}

function formatMessage(reason: string, place: ErrorPlace): string {
  const where: string[] = [];
  if (place.file !== undefined) where.push(place.file);
  if (place.tensor !== undefined) where.push(`tensor "${place.tensor}"`);
  if (place.offset !== undefined) where.push(`byte ${place.offset}`);
  return where.length > 0 ? `${where.join(', ')}: ${reason}` : reason;
}

export function isBitnetLabError(e: unknown): e is BitnetLabError {
  return e instanceof BitnetLabError;
}

/** Thrown (and only thrown) when an AbortSignal fires; callers treat it as a clean stop. */
export function cancelled(place: ErrorPlace = {}): BitnetLabError {
  return new BitnetLabError('cancelled', 'cancelled by the user', place);
}

export function throwIfAborted(signal: AbortSignal | undefined, place: ErrorPlace = {}): void {
  if (signal?.aborted) throw cancelled(place);
}
