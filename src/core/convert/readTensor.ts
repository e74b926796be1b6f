/**
 * Reads one tensor's decoded values whole. Quantization needs the entire
 * tensor (γ is a per-tensor mean, the median method needs all |W|), so memory
 * is bounded by the largest quantized tensor, never by the checkpoint.
 */
import { BitnetLabError } from '../errors.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';

/** 256 Mi elements = 1 GiB of float32: past this we refuse rather than exhaust memory. */
export const MAX_TENSOR_ELEMENTS = 256 * 1024 * 1024;

/**
 * Returns exactly t.params values; when `scratch` is large enough it is
 * filled and a view of it returned (callers reuse one buffer across tensors).
 */
export async function readTensorValues(
  source: CheckpointSource,
  t: TensorEntry,
  signal?: AbortSignal,
  scratch?: Float32Array,
  /** Sees each chunk right after it is copied (while it is still in cache). */
  onChunk?: (chunk: Float32Array) => void,
): Promise<Float32Array> {
  if (t.params > MAX_TENSOR_ELEMENTS) {
    throw new BitnetLabError('limit', `${t.params} elements is more than the ${MAX_TENSOR_ELEMENTS} we quantize in memory`, { file: t.file, tensor: t.name });
  }
  const out = scratch && scratch.buffer.byteLength >= t.params * 4 ? new Float32Array(scratch.buffer, 0, t.params) : new Float32Array(t.params);
  let at = 0;
  // 256 Ki values (1 MB) per chunk: few reads, and still cache-warm for onChunk.
  for await (const chunk of source.values(t.name, { chunkElements: 1 << 18, ...(signal ? { signal } : {}) })) {
    if (at + chunk.length > out.length) throw new BitnetLabError('layout', 'decoder produced more values than the shape holds', { file: t.file, tensor: t.name });
    out.set(chunk, at);
    onChunk?.(out.subarray(at, at + chunk.length));
    at += chunk.length;
  }
  if (at !== out.length) throw new BitnetLabError('layout', `decoder produced ${at} of ${out.length} values`, { file: t.file, tensor: t.name });
  return out;
}

/**
 * Reads one tensor stored as plain 16-bit patterns (BF16/F16, see
 * storedHalf16Kind) whole, without decoding: 2 bytes per element instead of
 * 4. `onHalves` sees each run of complete patterns right after it is copied,
 * so the histogram pass costs no second read of memory.
 */
export async function readTensorHalves(
  source: CheckpointSource,
  t: TensorEntry,
  signal?: AbortSignal,
  scratch?: Uint16Array,
  onHalves?: (halves: Uint16Array) => void,
): Promise<Uint16Array> {
  if (t.params > MAX_TENSOR_ELEMENTS) {
    throw new BitnetLabError('limit', `${t.params} elements is more than the ${MAX_TENSOR_ELEMENTS} we quantize in memory`, { file: t.file, tensor: t.name });
  }
  if (t.bytes !== 2 * t.params) throw new BitnetLabError('layout', `${t.bytes} bytes do not hold ${t.params} 16-bit values`, { file: t.file, tensor: t.name });
  const out = scratch && scratch.length >= t.params ? scratch.subarray(0, t.params) : new Uint16Array(t.params);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, t.bytes);
  let at = 0;
  let counted = 0;
  // 512 KiB per chunk (as many patterns as readTensorValues reads values): few
  // reads, still cache-warm for onHalves, and small reader buffers to collect.
  for await (const chunk of source.rawBytes(t.name, { chunkBytes: 1 << 19, ...(signal ? { signal } : {}) })) {
    if (at + chunk.byteLength > bytes.length) {
      throw new BitnetLabError('layout', `reader yielded bytes beyond the ${t.bytes} the tensor declares`, { file: t.file, tensor: t.name, offset: t.offset + at });
    }
    bytes.set(chunk, at);
    at += chunk.byteLength;
    // A chunk may end inside a pattern: hand over only the complete ones.
    const whole = at >>> 1;
    if (onHalves && whole > counted) onHalves(out.subarray(counted, whole));
    counted = whole;
  }
  if (at !== bytes.length) throw new BitnetLabError('truncated', `reader yielded ${at} of the ${t.bytes} bytes of the tensor`, { file: t.file, tensor: t.name });
  return out;
}
