/**
 * Streaming GGUF v3 writer. The header (KVs and every tensor info) goes first,
 * so callers plan all tensors up front (names, ggml dims, type, byte size —
 * all known from shapes before any data is computed); data then streams in,
 * tensor by tensor, each start aligned to general.alignment (32 unless the
 * entries say otherwise), the layout gguf-py's GGUFReader and llama.cpp
 * expect (ggml docs/gguf.md). Metadata entries keep their exact types
 * (GgufEntry), so GGUF → GGUF copies every input entry unchanged.
 * Output is atomic: nothing appears at the target until commit().
 */
import { BitnetLabError } from '../../errors.js';
import { AtomicFileWriter } from '../atomicWrite.js';
import { GGUF_MAGIC } from './ggufHeader.js';
import { GGUF_ITEM_BYTES, GGUF_TYPE_ID, type GgufEntry, type GgufItemType } from './ggufValue.js';

/** general.alignment when the entries do not set it (gguf.md's default). */
export const GGUF_WRITE_ALIGNMENT = 32;

export interface GgufTensorPlan {
  name: string;
  /** ggml order: fastest-varying first (i.e. the reverse of the logical shape). */
  dims: number[];
  typeId: number;
  bytes: number;
}

/** A growable little-endian byte buffer for the header (vocabularies make it megabytes). */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  // room() may replace this.buf, so it runs before this.buf is read.
  u32(v: number): void {
    const at = this.room(4);
    this.buf.writeUInt32LE(v, at);
  }
  u64(v: number | bigint): void {
    const at = this.room(8);
    this.buf.writeBigUInt64LE(BigInt(v), at);
  }
  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u64(n);
    const at = this.room(n);
    this.buf.write(s, at, n, 'utf8');
  }
  /** One fixed-width item; the caller has checked that it fits its type. */
  item(type: Exclude<GgufItemType, 'string'>, v: number | bigint | boolean): void {
    const at = this.room(GGUF_ITEM_BYTES[type]);
    const b = this.buf;
    switch (type) {
      case 'u8': b.writeUInt8(v as number, at); break;
      case 'i8': b.writeInt8(v as number, at); break;
      case 'u16': b.writeUInt16LE(v as number, at); break;
      case 'i16': b.writeInt16LE(v as number, at); break;
      case 'u32': b.writeUInt32LE(v as number, at); break;
      case 'i32': b.writeInt32LE(v as number, at); break;
      case 'f32': b.writeFloatLE(v as number, at); break;
      case 'f64': b.writeDoubleLE(v as number, at); break;
      case 'u64': b.writeBigUInt64LE(v as bigint, at); break;
      case 'i64': b.writeBigInt64LE(v as bigint, at); break;
      case 'bool': b.writeUInt8(v ? 1 : 0, at); break;
    }
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

const INT_RANGE: Partial<Record<GgufItemType, [number, number]>> = {
  u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff], u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff],
};
const BIG_RANGE: Partial<Record<GgufItemType, [bigint, bigint]>> = {
  u64: [0n, 2n ** 64n - 1n], i64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** Refuses a value its declared type cannot hold: a silent wrap or clamp would change the metadata. */
function checkItem(type: GgufItemType, v: unknown, key: string, file: string): void {
  const bad = (why: string): never => {
    throw new BitnetLabError('usage', `metadata "${key}": ${why}`, { file });
  };
  if (type === 'string') {
    if (typeof v !== 'string') bad(`${String(v)} is not a string`);
    return;
  }
  if (type === 'bool') {
    if (typeof v !== 'boolean') bad(`${String(v)} is not a boolean`);
    return;
  }
  const big = BIG_RANGE[type];
  if (big) {
    if (typeof v !== 'bigint' || v < big[0] || v > big[1]) bad(`${String(v)} is not a ${type} (64-bit values are bigint)`);
    return;
  }
  if (typeof v !== 'number') return bad(`${String(v)} is not a number`);
  const range = INT_RANGE[type];
  if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) bad(`${v} does not fit ${type}`);
}

function writeEntry(h: ByteSink, e: GgufEntry, file: string): void {
  h.str(e.key);
  h.u32(GGUF_TYPE_ID[e.type]);
  if (e.type !== 'array') {
    checkItem(e.type, e.value, e.key, file);
    if (e.type === 'string') h.str(e.value);
    else h.item(e.type, e.value);
    return;
  }
  h.u32(GGUF_TYPE_ID[e.itemType]);
  h.u64(e.value.length);
  const items: ReadonlyArray<string | number | bigint | boolean> = e.value;
  for (const v of items) {
    checkItem(e.itemType, v, e.key, file);
    if (e.itemType === 'string') h.str(v as string);
    else h.item(e.itemType, v as number | bigint | boolean);
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** The alignment the data section must follow: the entries' general.alignment (a u32, as gguf.cpp requires) or 32. */
function alignmentOf(entries: readonly GgufEntry[], file: string): number {
  const e = entries.find((x) => x.key === 'general.alignment');
  if (!e) return GGUF_WRITE_ALIGNMENT;
  if (e.type !== 'u32' || e.value <= 0 || e.value % 8 !== 0 || e.value > 1 << 20) {
    throw new BitnetLabError('usage', 'general.alignment must be a u32 positive multiple of 8', { file });
  }
  return e.value;
}

export class GgufWriter {
  private index = 0;
  private written = 0;
  private dataStart = 0;
  private readonly starts: number[] = [];

  private constructor(private readonly out: AtomicFileWriter, private readonly plans: GgufTensorPlan[], private readonly alignment: number) {}

  static async create(path: string, entries: readonly GgufEntry[], plans: GgufTensorPlan[], signal?: AbortSignal): Promise<GgufWriter> {
    const names = new Set<string>();
    for (const p of plans) {
      // ggml's GGML_MAX_NAME = 64 including the terminating NUL.
      if (Buffer.byteLength(p.name, 'utf8') > 63) throw new BitnetLabError('usage', 'tensor name longer than the 63 bytes ggml allows', { file: path, tensor: p.name });
      if (names.has(p.name)) throw new BitnetLabError('usage', 'two tensors map to the same GGUF name', { file: path, tensor: p.name });
      names.add(p.name);
    }
    const alignment = alignmentOf(entries, path);
    const keys = new Set<string>();
    for (const e of entries) {
      if (keys.has(e.key)) throw new BitnetLabError('usage', `metadata key "${e.key}" given twice`, { file: path });
      keys.add(e.key);
    }
    const h = new ByteSink();
    h.u32(GGUF_MAGIC);
    h.u32(3);
    h.u64(plans.length);
    h.u64(entries.length);
    for (const e of entries) writeEntry(h, e, path);
    const w = new GgufWriter(await AtomicFileWriter.open(path, signal ? { signal } : {}), plans, alignment);
    let rel = 0;
    for (const p of plans) {
      h.str(p.name);
      h.u32(p.dims.length);
      for (const d of p.dims) h.u64(d);
      h.u32(p.typeId);
      h.u64(rel);
      w.starts.push(rel);
      rel = alignUp(rel + p.bytes, alignment);
    }
    const header = h.bytes();
    w.dataStart = alignUp(header.length, alignment);
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
    const pad = alignUp(end, this.alignment) - end;
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
