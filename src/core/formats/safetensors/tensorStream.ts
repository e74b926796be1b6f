/**
 * Streaming a byte range of an open file in bounded chunks, with one read in
 * flight ahead of the consumer (two buffers, alternated) so disk/page-cache
 * reads overlap with decoding and statistics. Shared by every reader whose
 * tensors are contiguous byte ranges (safetensors, sharded, GGUF, …).
 */
import type { FileHandle } from 'node:fs/promises';
import { BitnetLabError, throwIfAborted } from '../../errors.js';
import { decodeToFloat32, dtypeInfo } from '../dtypes.js';

export const DEFAULT_CHUNK_ELEMENTS = 1 << 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface ByteRange {
  file: string;
  tensor: string;
  offset: number;
  bytes: number;
}

async function readChunk(handle: FileHandle, range: ByteRange, buf: Uint8Array, length: number, position: number): Promise<Uint8Array> {
  let done = 0;
  while (done < length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buf, done, length - done, position + done));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new BitnetLabError('io', `cannot read tensor data: ${msg}`, { file: range.file, tensor: range.tensor, offset: position + done });
    }
    if (bytesRead === 0) {
      // The file shrank after its header was validated.
      throw new BitnetLabError('truncated', 'file ends inside tensor data', { file: range.file, tensor: range.tensor, offset: position + done });
    }
    done += bytesRead;
  }
  return buf.subarray(0, length);
}

/**
 * Yields the range's bytes in chunks of at most `chunkBytes`. A yielded chunk
 * stays valid until the consumer asks for the next one; copy to keep.
 */
export async function* streamBytes(
  handle: FileHandle,
  range: ByteRange,
  chunkBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  if (range.bytes === 0) return;
  const size = Math.max(1, Math.min(Math.floor(chunkBytes), range.bytes));
  const bufs = [new Uint8Array(size), range.bytes > size ? new Uint8Array(size) : new Uint8Array(0)];
  const place = { file: range.file, tensor: range.tensor };
  let pos = 0;
  let which = 0;
  let pending: Promise<Uint8Array> | undefined = readChunk(handle, range, bufs[0]!, Math.min(size, range.bytes), range.offset);
  while (pending !== undefined) {
    throwIfAborted(signal, place);
    const chunk = await pending;
    pos += chunk.byteLength;
    which ^= 1;
    pending = pos < range.bytes ? readChunk(handle, range, bufs[which]!, Math.min(size, range.bytes - pos), range.offset + pos) : undefined;
    // If the consumer stops early, the pending read still completes into a buffer nobody holds: harmless.
    pending?.catch(() => undefined);
    yield chunk;
  }
}

/** Yields decoded float32 values of a tensor stored as `dtype`, at most `chunkElements` per chunk. */
export async function* streamValues(
  handle: FileHandle,
  range: ByteRange,
  dtype: string,
  chunkElements: number = DEFAULT_CHUNK_ELEMENTS,
  signal?: AbortSignal,
): AsyncGenerator<Float32Array> {
  const info = dtypeInfo(dtype);
  if (info === undefined) throw new BitnetLabError('dtype', `unknown dtype "${dtype}"`, { file: range.file, tensor: range.tensor, offset: range.offset });
  if (!info.decodable) {
    throw new BitnetLabError('unsupported', `cannot decode ${dtype} values to float32`, { file: range.file, tensor: range.tensor, offset: range.offset });
  }
  const size = info.bits / 8;
  const elems = Math.max(1, Math.floor(chunkElements));
  const total = range.bytes / size;
  // Stored float32 on a little-endian host needs no decoding: the read buffer
  // itself is yielded as float32 (same lifetime: until the next chunk is asked for).
  const view = dtype === 'F32' && LITTLE_ENDIAN;
  const out = new Float32Array(view ? 0 : Math.min(elems, total));
  for await (const bytes of streamBytes(handle, range, elems * size, signal)) {
    const count = bytes.byteLength / size;
    if (view && bytes.byteOffset % 4 === 0) {
      yield new Float32Array(bytes.buffer, bytes.byteOffset, count);
      continue;
    }
    const dst = out.length >= count ? out : new Float32Array(count);
    decodeToFloat32(dtype, bytes, 0, count, dst, 0);
    yield count === dst.length ? dst : dst.subarray(0, count);
  }
}
