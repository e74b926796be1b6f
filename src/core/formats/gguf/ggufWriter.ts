/**
 * Streaming GGUF v3 writer. The header (KVs and every tensor info) goes first,
 * so callers plan all tensors up front (names, ggml dims, type, byte size —
 * all known from shapes before any data is computed); data then streams in,
 * tensor by tensor, each start aligned to 32 bytes (general.alignment), the
 * layout gguf-py's GGUFReader and llama.cpp expect (ggml docs/gguf.md).
 * Output is atomic: nothing appears at the target until commit().
 */
import { BitnetLabError } from '../../errors.js';
import { AtomicFileWriter } from '../atomicWrite.js';
import { GGUF_MAGIC, GgufValueType } from './ggufHeader.js';

export const GGUF_WRITE_ALIGNMENT = 32;

export type GgufKv =
  | { key: string; type: 'string'; value: string }
  | { key: string; type: 'u32'; value: number }
  | { key: string; type: 'f32'; value: number };

export interface GgufTensorPlan {
  name: string;
  /** ggml order: fastest-varying first (i.e. the reverse of the logical shape). */
  dims: number[];
  typeId: number;
  bytes: number;
}

class ByteSink {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  concat(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

export class GgufWriter {
  private index = 0;
  private written = 0;
  private dataStart = 0;
  private readonly starts: number[] = [];

  private constructor(private readonly out: AtomicFileWriter, private readonly plans: GgufTensorPlan[]) {}

  static async create(path: string, kvs: GgufKv[], plans: GgufTensorPlan[], signal?: AbortSignal): Promise<GgufWriter> {
    const names = new Set<string>();
    for (const p of plans) {
      // ggml's GGML_MAX_NAME = 64 including the terminating NUL.
      if (Buffer.byteLength(p.name, 'utf8') > 63) throw new BitnetLabError('usage', 'tensor name longer than the 63 bytes ggml allows', { file: path, tensor: p.name });
      if (names.has(p.name)) throw new BitnetLabError('usage', 'two tensors map to the same GGUF name', { file: path, tensor: p.name });
      names.add(p.name);
    }
    const h = new ByteSink();
    h.u32(GGUF_MAGIC);
    h.u32(3);
    h.u64(plans.length);
    h.u64(kvs.length);
    for (const kv of kvs) {
      h.str(kv.key);
      if (kv.type === 'string') {
        h.u32(GgufValueType.STRING);
        h.str(kv.value);
      } else if (kv.type === 'u32') {
        h.u32(GgufValueType.UINT32);
        h.u32(kv.value);
      } else {
        h.u32(GgufValueType.FLOAT32);
        const b = Buffer.alloc(4);
        b.writeFloatLE(kv.value);
        h.push(b);
      }
    }
    const w = new GgufWriter(await AtomicFileWriter.open(path, signal ? { signal } : {}), plans);
    let rel = 0;
    for (const p of plans) {
      h.str(p.name);
      h.u32(p.dims.length);
      for (const d of p.dims) h.u64(d);
      h.u32(p.typeId);
      h.u64(rel);
      w.starts.push(rel);
      rel = alignUp(rel + p.bytes, GGUF_WRITE_ALIGNMENT);
    }
    const header = h.concat();
    w.dataStart = alignUp(header.length, GGUF_WRITE_ALIGNMENT);
    try {
      await w.out.write(header);
      await w.out.write(new Uint8Array(w.dataStart - header.length));
    } catch (e) {
      await w.out.abort();
      throw e;
    }
    return w;
  }

  get currentTensor(): GgufTensorPlan | undefined {
    return this.plans[this.index];
  }

  /** Appends bytes of the current tensor. */
  async write(bytes: Uint8Array): Promise<void> {
    const p = this.plans[this.index];
    if (!p || this.written + bytes.byteLength > p.bytes) {
      throw new BitnetLabError('layout', `writer received more bytes than planned`, { file: this.out.targetPath, tensor: p?.name });
    }
    await this.out.write(bytes);
    this.written += bytes.byteLength;
  }

  /** Closes the current tensor: checks its size and pads up to the next aligned start. */
  async endTensor(): Promise<void> {
    const p = this.plans[this.index]!;
    if (this.written !== p.bytes) {
      throw new BitnetLabError('layout', `wrote ${this.written} bytes, planned ${p.bytes}`, { file: this.out.targetPath, tensor: p.name });
    }
    const end = this.starts[this.index]! + p.bytes;
    // The last tensor is padded too, as gguf-py's writer does: ggml's own
    // loader sums padded sizes when it reads the data section whole.
    const pad = alignUp(end, GGUF_WRITE_ALIGNMENT) - end;
    if (pad > 0) await this.out.write(new Uint8Array(pad));
    this.index++;
    this.written = 0;
  }

  get bytesWritten(): number {
    return this.out.position;
  }

  async commit(): Promise<void> {
    if (this.index !== this.plans.length) {
      throw new BitnetLabError('layout', `only ${this.index} of ${this.plans.length} tensors were written`, { file: this.out.targetPath });
    }
    await this.out.commit();
  }

  async abort(): Promise<void> {
    await this.out.abort();
  }
}
