/** Streams one tensor unchanged (raw bytes) or re-encoded as float32/16 into a sink. */
import { BitnetLabError } from '../errors.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';
import { encodeFromFloat32 } from '../formats/dtypes.js';

export type ByteSinkFn = (bytes: Uint8Array) => Promise<void>;

/** Largest finite fp16. */
const F16_MAX = 65504;

export async function copyRaw(source: CheckpointSource, t: TensorEntry, sink: ByteSinkFn, signal?: AbortSignal): Promise<void> {
  for await (const chunk of source.rawBytes(t.name, signal ? { signal } : {})) await sink(chunk);
}

/** fp16 encoding that refuses finite values it would turn into ±inf (BF16/F32 weights can exceed 65504). */
export function encodeF16Checked(values: Float32Array, t: TensorEntry): Uint8Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > F16_MAX || v < -F16_MAX) {
      if (Number.isFinite(v)) throw new BitnetLabError('usage', `value ${v} does not fit in F16 (|x| ≤ 65504); keep this tensor in F32`, { file: t.file, tensor: t.name });
    }
  }
  return encodeFromFloat32('F16', values);
}

export function encodeAs(dtype: 'F32' | 'F16' | 'BF16', values: Float32Array, t: TensorEntry): Uint8Array {
  return dtype === 'F16' ? encodeF16Checked(values, t) : encodeFromFloat32(dtype, values);
}

export async function copyAs(dtype: 'F32' | 'F16' | 'BF16', source: CheckpointSource, t: TensorEntry, sink: ByteSinkFn, signal?: AbortSignal): Promise<void> {
  for await (const chunk of source.values(t.name, { chunkElements: 1 << 18, ...(signal ? { signal } : {}) })) {
    await sink(encodeAs(dtype, chunk, t));
  }
}
