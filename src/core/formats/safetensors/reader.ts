/**
 * A single .safetensors file as a CheckpointSource: the header is read and
 * validated on open; tensor bytes are read only when values()/rawBytes() ask,
 * by range through one FileHandle, in bounded chunks.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { BitnetLabError } from '../../errors.js';
import type { CheckpointSource, TensorEntry, ValueReadOptions } from '../types.js';
import { readHeaderFrom, type HeaderReadOptions, type SafetensorsHeader } from './header.js';
import { DEFAULT_CHUNK_ELEMENTS, streamBytes, streamValues } from './tensorStream.js';

export type SafetensorsOpenOptions = HeaderReadOptions;

/** Default raw chunk: 4 MiB, the byte size of a default F32 value chunk. */
const DEFAULT_CHUNK_BYTES = 4 << 20;

export class SafetensorsFile implements CheckpointSource {
  readonly format = 'safetensors' as const;
  readonly tensors: readonly TensorEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  private readonly byName: Map<string, TensorEntry>;
  private closed = false;

  /** The header's figures; its tensor list lives on as `tensors` only (400,000-tensor headers exist). */
  readonly header: Omit<SafetensorsHeader, 'tensors'>;

  constructor(
    readonly path: string,
    header: SafetensorsHeader,
    private readonly handle: FileHandle,
  ) {
    const { tensors, ...figures } = header;
    this.header = figures;
    this.tensors = tensors.map((t) => ({
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
      // safetensors stores the logical shape itself; one array serves both.
      storedShape: t.shape,
      params: t.params,
      bytes: t.bytes,
      file: path,
      offset: t.offset,
    }));
    this.byName = new Map(this.tensors.map((t) => [t.name, t]));
    this.metadata = Object.freeze({ ...header.metadata });
  }

  entry(name: string): TensorEntry {
    const t = this.byName.get(name);
    if (t === undefined) throw new BitnetLabError('usage', 'no such tensor in this file', { file: this.path, tensor: name });
    if (this.closed) throw new BitnetLabError('io', 'file already closed', { file: this.path, tensor: name });
    return t;
  }

  values(name: string, options: ValueReadOptions = {}): AsyncIterable<Float32Array> {
    const t = this.entry(name);
    const range = { file: this.path, tensor: name, offset: t.offset, bytes: t.bytes };
    return streamValues(this.handle, range, t.dtype, options.chunkElements ?? DEFAULT_CHUNK_ELEMENTS, options.signal);
  }

  rawBytes(name: string, options: ValueReadOptions & { chunkBytes?: number } = {}): AsyncIterable<Uint8Array> {
    const t = this.entry(name);
    const range = { file: this.path, tensor: name, offset: t.offset, bytes: t.bytes };
    return streamBytes(this.handle, range, options.chunkBytes ?? DEFAULT_CHUNK_BYTES, options.signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

export async function openSafetensors(path: string, options: SafetensorsOpenOptions = {}): Promise<SafetensorsFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new BitnetLabError('io', `cannot open: ${msg}`, { file: path });
  }
  try {
    const header = await readHeaderFrom(handle, path, options);
    return new SafetensorsFile(path, header, handle);
  } catch (e) {
    await handle.close();
    throw e;
  }
}
