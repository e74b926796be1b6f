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
