/** Streams one tensor unchanged (raw bytes) or re-encoded as float32 into a sink. */
import type { CheckpointSource, TensorEntry } from '../formats/types.js';
import { encodeFromFloat32 } from '../formats/dtypes.js';

export type ByteSinkFn = (bytes: Uint8Array) => Promise<void>;

export async function copyRaw(source: CheckpointSource, t: TensorEntry, sink: ByteSinkFn, signal?: AbortSignal): Promise<void> {
  for await (const chunk of source.rawBytes(t.name, signal ? { signal } : {})) await sink(chunk);
}

export async function copyAs(dtype: 'F32' | 'F16' | 'BF16', source: CheckpointSource, t: TensorEntry, sink: ByteSinkFn, signal?: AbortSignal): Promise<void> {
  for await (const chunk of source.values(t.name, { chunkElements: 1 << 18, ...(signal ? { signal } : {}) })) {
    await sink(encodeFromFloat32(dtype, chunk));
  }
}
