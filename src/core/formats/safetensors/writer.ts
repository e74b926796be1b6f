/**
 * safetensors writers. Both produce the Rust crate's canonical layout (see
 * layout.ts) and write atomically: temp file next to the target, renamed on
 * commit, removed on error or cancel.
 */
import { BitnetLabError } from '../../errors.js';
import { AtomicFileWriter, type AtomicWriteOptions } from '../atomicWrite.js';
import { headerPrefix, planSafetensorsLayout, type PlannedTensor, type SafetensorsLayout, type TensorDecl } from './layout.js';

export interface TensorData extends TensorDecl {
  /** Stored bytes, little-endian, row-major; exactly numel·size bytes. */
  data: Uint8Array | ArrayBufferView;
}

export type SafetensorsWriteOptions = AtomicWriteOptions;

/**
 * For outputs larger than memory: declare every tensor up front (so the header
 * and all offsets are known), then hand over each tensor's bytes in chunks.
 * Chunks of one tensor must come in order; tensors may come in any order
 * (each is written at its known offset).
 */
export class SafetensorsStreamWriter {
  private readonly written = new Map<string, number>();
  private readonly byName: Map<string, PlannedTensor>;

  private constructor(
    readonly path: string,
    readonly layout: SafetensorsLayout,
    private readonly out: AtomicFileWriter,
  ) {
    this.byName = new Map(layout.tensors.map((t) => [t.name, t]));
    for (const t of layout.tensors) this.written.set(t.name, 0);
  }

  static async create(
    path: string,
    tensors: readonly TensorDecl[],
    metadata?: Readonly<Record<string, string>>,
    options: SafetensorsWriteOptions = {},
  ): Promise<SafetensorsStreamWriter> {
    const layout = planSafetensorsLayout(tensors, metadata, path);
    const out = await AtomicFileWriter.open(path, options);
    try {
      await out.writeAt(headerPrefix(layout), 0);
    } catch (e) {
      await out.abort();
      throw e;
    }
    return new SafetensorsStreamWriter(path, layout, out);
  }

  /** Appends the next chunk of `name`'s bytes. */
  async write(name: string, chunk: Uint8Array | ArrayBufferView): Promise<void> {
    const t = this.byName.get(name);
    if (t === undefined) {
      await this.abort();
      throw new BitnetLabError('usage', 'tensor was not declared', { file: this.path, tensor: name });
    }
    const done = this.written.get(name)!;
    if (done + chunk.byteLength > t.bytes) {
      await this.abort();
      throw new BitnetLabError('layout', `got ${done + chunk.byteLength} bytes for a tensor of ${t.bytes}`, {
        file: this.path,
        tensor: name,
        offset: t.offset + done,
      });
    }
    await this.out.writeAt(chunk, t.offset + done);
    this.written.set(name, done + chunk.byteLength);
  }

  /** Checks every tensor got exactly its size, then fsyncs and renames into place. */
  async commit(): Promise<void> {
    for (const t of this.layout.tensors) {
      const done = this.written.get(t.name)!;
      if (done !== t.bytes) {
        await this.abort();
        throw new BitnetLabError('layout', `got ${done} bytes for a tensor of ${t.bytes}`, { file: this.path, tensor: t.name, offset: t.offset + done });
      }
    }
    await this.out.commit();
  }

  async abort(): Promise<void> {
    await this.out.abort();
  }
}

/** Writes in-memory tensors as one safetensors file, atomically. */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorData[],
  metadata?: Readonly<Record<string, string>>,
  options: SafetensorsWriteOptions = {},
): Promise<SafetensorsLayout> {
  const w = await SafetensorsStreamWriter.create(path, tensors, metadata, options);
  try {
    for (const t of tensors) await w.write(t.name, t.data);
    await w.commit();
  } catch (e) {
    await w.abort();
    throw e;
  }
  return w.layout;
}
