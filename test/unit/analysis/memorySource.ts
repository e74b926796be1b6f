/** An in-memory CheckpointSource for tests: tensors given as float32 arrays, read back in chunks. */
import { BitnetLabError } from '../../../src/core/errors.js';
import { f32ToF16Bits } from '../../../src/core/formats/dtypes.js';
import type { CheckpointSource, TensorEntry, ValueReadOptions } from '../../../src/core/formats/types.js';

export interface MemoryTensor {
  name: string;
  shape: number[];
  values: Float32Array;
  dtype?: string;
  ternary?: TensorEntry['ternary'];
  /** Throw a 'truncated' error after yielding this many values. */
  failAfter?: number;
}

export class MemorySource implements CheckpointSource {
  readonly path: string;
  readonly format = 'safetensors' as const;
  readonly tensors: TensorEntry[];
  readonly metadata: Record<string, string> = { format: 'pt' };
  /** values() calls per tensor name, rawBytes() calls under `raw:name`: how often data is read. */
  readonly reads = new Map<string, number>();
  private readonly data = new Map<string, MemoryTensor>();

  constructor(tensors: MemoryTensor[], path = '/mem/model.safetensors') {
    this.path = path;
    let offset = 8;
    this.tensors = tensors.map((t) => {
      this.data.set(t.name, t);
      const dtype = t.dtype ?? 'F32';
      const bytesPer = dtype === 'BF16' || dtype === 'F16' ? 2 : dtype === 'U8' || dtype === 'I8' ? 1 : 4;
      const params = t.shape.reduce((a, b) => a * b, 1);
      const e: TensorEntry = {
        name: t.name, dtype, shape: t.shape, storedShape: t.shape, params, bytes: params * bytesPer, file: path, offset,
        ...(t.ternary ? { ternary: t.ternary } : {}),
      };
      offset += e.bytes;
      return e;
    });
  }

  async *values(name: string, options: ValueReadOptions = {}): AsyncIterable<Float32Array> {
    const t = this.data.get(name);
    if (!t) throw new BitnetLabError('layout', 'no such tensor', { file: this.path, tensor: name });
    this.reads.set(name, (this.reads.get(name) ?? 0) + 1);
    const step = options.chunkElements ?? 1 << 20;
    // One reused buffer, as real readers do: consumers must copy to keep.
    const buf = new Float32Array(Math.min(step, t.values.length));
    for (let at = 0; at < t.values.length; at += step) {
      if (t.failAfter !== undefined && at >= t.failAfter) {
        throw new BitnetLabError('truncated', 'file ends inside the tensor', { file: this.path, tensor: name, offset: at });
      }
      const n = Math.min(step, t.values.length - at);
      buf.set(t.values.subarray(at, at + n));
      yield buf.subarray(0, n);
    }
  }

  /** Stored bytes: F32 as is, BF16 as the high halves, F16 by conversion (values must already be exact in the dtype). */
  async *rawBytes(name: string, options: ValueReadOptions & { chunkBytes?: number } = {}): AsyncIterable<Uint8Array> {
    const t = this.data.get(name);
    if (!t) throw new BitnetLabError('layout', 'no such tensor', { file: this.path, tensor: name });
    this.reads.set(`raw:${name}`, (this.reads.get(`raw:${name}`) ?? 0) + 1);
    let bytes: Uint8Array;
    if ((t.dtype ?? 'F32') === 'BF16') {
      const u32 = new Uint32Array(t.values.buffer, t.values.byteOffset, t.values.length);
      const halves = Uint16Array.from(u32, (x) => x >>> 16);
      bytes = new Uint8Array(halves.buffer);
    } else if (t.dtype === 'F16') {
      bytes = new Uint8Array(Uint16Array.from(t.values, (x) => f32ToF16Bits(x)).buffer);
    } else if ((t.dtype ?? 'F32') === 'F32') {
      bytes = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    } else {
      throw new BitnetLabError('unsupported', `rawBytes of ${t.dtype} not available in the test source`);
    }
    const step = options.chunkBytes ?? 1 << 20;
    for (let at = 0; at < bytes.length; at += step) {
      if (t.failAfter !== undefined && at / 2 >= t.failAfter) {
        throw new BitnetLabError('truncated', 'file ends inside the tensor', { file: this.path, tensor: name, offset: at });
      }
      yield bytes.subarray(at, Math.min(bytes.length, at + step));
    }
  }

  async close(): Promise<void> {}
}
