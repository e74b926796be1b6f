/**
 * GGUF as a CheckpointSource: header parsed on open, tensor data decoded on
 * demand by range reads in bounded chunks. Logical shapes are the reverse of
 * ggml's fastest-first dims, so a weight with ggml dims [in, out] is [out, in]
 * here and the file's element order already is row-major over that shape.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { BitnetLabError, throwIfAborted } from '../../errors.js';
import type { CheckpointSource, TensorEntry, ValueReadOptions } from '../types.js';
import { decodeToFloat32, f16ToF32 } from '../dtypes.js';
import { readExactly } from '../safetensors/header.js';
import { decodeTq1_0 } from '../ternary/tq1_0.js';
import { decodeTq2_0 } from '../ternary/tq2_0.js';
import { decodeQ8_0 } from '../ternary/q8_0.js';
import { decodeI2s } from '../ternary/i2s.js';
import { readGgufHeader, type GgufHeader, type GgufTensorInfo } from './ggufHeader.js';
import type { GgufEntry } from './ggufValue.js';

const DEFAULT_CHUNK = 1 << 20;
const DEFAULT_RAW_CHUNK = 4 << 20;

const PACKING: Record<string, 'tq1_0' | 'tq2_0' | 'i2_s'> = { TQ1_0: 'tq1_0', TQ2_0: 'tq2_0', I2_S: 'i2_s' };

function toEntry(h: GgufHeader, t: GgufTensorInfo): TensorEntry {
  const notes: string[] = [];
  if (t.type.note) notes.push(t.type.note);
  const packing = PACKING[t.type.name];
  const entry: TensorEntry = {
    name: t.name,
    dtype: t.type.name,
    shape: [...t.dims].reverse(),
    storedShape: [...t.dims],
    params: t.n,
    bytes: t.type.bytes ?? 0,
    file: h.file,
    offset: t.offset,
  };
  if (packing) {
    entry.ternary = {
      packing,
      scaleConvention: packing === 'i2_s' ? 'one float32 γ per tensor after the packed bytes; W = (code − 1)·γ' : 'fp16 d per 256-element block; W = (code − 1)·d',
    };
  }
  if (notes.length > 0) entry.notes = notes;
  return entry;
}

export async function openGguf(path: string): Promise<CheckpointSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new BitnetLabError('io', `cannot open: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  try {
    const size = (await stat(path)).size;
    const header = await readGgufHeader(handle, path, size);
    return new GgufSource(path, handle, header);
  } catch (e) {
    await handle.close();
    throw e;
  }
}

class GgufSource implements CheckpointSource {
  readonly format = 'gguf' as const;
  readonly tensors: readonly TensorEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly ggufEntries: readonly GgufEntry[];
  private readonly byName = new Map<string, GgufTensorInfo>();

  constructor(readonly path: string, private readonly handle: FileHandle, readonly header: GgufHeader) {
    this.tensors = header.tensors.map((t) => toEntry(header, t));
    for (const t of header.tensors) this.byName.set(t.name, t);
    this.ggufEntries = header.entries;
    this.metadata = { 'gguf.version': String(header.version), 'gguf.alignment': String(header.alignment), ...header.metadata };
  }

  private info(name: string): GgufTensorInfo {
    const t = this.byName.get(name);
    if (!t) throw new BitnetLabError('usage', 'no such tensor', { file: this.path, tensor: name });
    return t;
  }

  private async read(t: GgufTensorInfo, at: number, length: number): Promise<Uint8Array> {
    const buf = new Uint8Array(length);
    await readExactly(this.handle, this.path, buf, at, `data of tensor "${t.name}"`);
    return buf;
  }

  async *values(name: string, options: ValueReadOptions = {}): AsyncIterable<Float32Array> {
    const t = this.info(name);
    const place = { file: this.path, tensor: name, offset: t.offset };
    if (!t.type.decodable || t.type.bytes === undefined) {
      throw new BitnetLabError('unsupported', `cannot decode ggml type ${t.type.name}${t.type.note ? ` (${t.type.note})` : ''}`, place);
    }
    const chunkElements = Math.max(1, options.chunkElements ?? DEFAULT_CHUNK);
    const name0 = t.type.name;
    let blockElems: number;
    let blockBytes: number;
    let decode: (src: Uint8Array, nBlocks: number, out: Float32Array) => void;
    if (name0 === 'I2_S') {
      const scaleBytes = await this.read(t, t.offset + t.n / 4, 4);
      const scale = new DataView(scaleBytes.buffer).getFloat32(0, true);
      blockElems = 128;
      blockBytes = 32;
      decode = (src, nb, out) => decodeI2s(src, 0, nb, scale, out, 0);
    } else if (name0 === 'TQ1_0' || name0 === 'TQ2_0' || name0 === 'Q8_0') {
      blockElems = t.type.info!.blockElems;
      blockBytes = t.type.info!.blockBytes;
      const fn = name0 === 'TQ1_0' ? decodeTq1_0 : name0 === 'TQ2_0' ? decodeTq2_0 : decodeQ8_0;
      decode = (src, nb, out) => fn(src, 0, nb, out, 0, f16ToF32);
    } else {
      blockElems = 1;
      blockBytes = t.type.info!.blockBytes;
      decode = (src, nb, out) => decodeToFloat32(name0, src, 0, nb, out, 0);
    }
    const blocksTotal = t.n / blockElems;
    const blocksPerRead = Math.max(1, Math.floor(chunkElements / blockElems));
    const out = new Float32Array(blocksPerRead * blockElems);
    for (let b = 0; b < blocksTotal; b += blocksPerRead) {
      throwIfAborted(options.signal, place);
      const nb = Math.min(blocksPerRead, blocksTotal - b);
      const src = await this.read(t, t.offset + b * blockBytes, nb * blockBytes);
      decode(src, nb, out);
      const produced = nb * blockElems;
      for (let s = 0; s < produced; s += chunkElements) yield out.subarray(s, Math.min(produced, s + chunkElements));
      options.onProgress?.({ label: name, done: (b + nb) * blockBytes, total: t.type.bytes, unit: 'bytes' });
    }
  }

  async *rawBytes(name: string, options: ValueReadOptions & { chunkBytes?: number } = {}): AsyncIterable<Uint8Array> {
    const t = this.info(name);
    if (t.type.bytes === undefined) {
      throw new BitnetLabError('unsupported', `size of ggml type ${t.type.name} is unknown`, { file: this.path, tensor: name, offset: t.offset });
    }
    const chunk = Math.max(1, options.chunkBytes ?? DEFAULT_RAW_CHUNK);
    for (let at = 0; at < t.type.bytes; at += chunk) {
      throwIfAborted(options.signal, { file: this.path, tensor: name });
      yield await this.read(t, t.offset + at, Math.min(chunk, t.type.bytes - at));
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
