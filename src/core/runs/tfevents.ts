/**
 * TensorBoard event files (events.out.tfevents.*) from any trainer —
 * PyTorch's SummaryWriter, TF2 tf.summary, Keras, Lightning — read without
 * TensorBoard: TFRecord framing by hand, Event / Summary protos with protobufjs.
 *
 * Record framing (tensorflow/core/lib/io/record_writer.cc):
 *   uint64 length (LE) | uint32 masked CRC-32C of those 8 bytes | data[length] | uint32 masked CRC-32C of data
 * Scalars come in two forms: Summary.Value.simple_value (TF1, PyTorch), or a
 * one-element Summary.Value.tensor (TF2 tf.summary.scalar: float_val or
 * tensor_content). Histograms, images, text and graphs are skipped.
 */
import protobuf from 'protobufjs/light.js';
import { BitnetLabError } from '../errors.js';
import { maskedCrc32c } from './crc32c.js';

/** One record larger than this is not a summary we want (and would be a bad allocation). */
const MAX_RECORD_BYTES = 64 << 20;
const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

export interface ScalarRecord {
  tag: string;
  step: number;
  value: number;
  /** Seconds since the epoch, as the writer stamped it. */
  wallTime: number;
  file: string;
}

export function isEventFileName(name: string): boolean {
  return name.includes('tfevents');
}

/**
 * Complete records out of a byte stream that arrives in pieces (a file being
 * written). The first record must be an Event with a "brain.Event:" file
 * version, as every writer puts first; otherwise the file is not an event file.
 */
export class TfRecordStream {
  private pending: Uint8Array = new Uint8Array(0);
  /** File offset of pending[0]. */
  private offset = 0;
  private first = true;

  constructor(readonly file: string) {}

  push(bytes: Uint8Array): Uint8Array[] {
    this.pending = this.pending.length === 0 ? bytes.slice() : concat(this.pending, bytes);
    const out: Uint8Array[] = [];
    let at = 0;
    const view = new DataView(this.pending.buffer, this.pending.byteOffset, this.pending.byteLength);
    while (this.pending.length - at >= HEADER_BYTES) {
      const where = this.offset + at;
      const lenBytes = this.pending.subarray(at, at + 8);
      if (maskedCrc32c(lenBytes) !== view.getUint32(at + 8, true)) {
        throw this.first
          ? new BitnetLabError('header', 'not a TensorBoard event file (no TFRecord framing at the start: the length checksum does not match)', { file: this.file, offset: 0 })
          : new BitnetLabError('header', 'corrupt event file: record length checksum does not match', { file: this.file, offset: where });
      }
      const len = view.getBigUint64(at, true);
      if (len > BigInt(MAX_RECORD_BYTES)) throw new BitnetLabError('limit', `event record of ${len} bytes is more than we read (${MAX_RECORD_BYTES})`, { file: this.file, offset: where });
      const n = Number(len);
      if (this.pending.length - at < HEADER_BYTES + n + FOOTER_BYTES) break; // the rest is still being written
      const data = this.pending.subarray(at + HEADER_BYTES, at + HEADER_BYTES + n);
      if (maskedCrc32c(data) !== view.getUint32(at + HEADER_BYTES + n, true)) {
        throw new BitnetLabError('header', 'corrupt event file: record data checksum does not match', { file: this.file, offset: where + HEADER_BYTES });
      }
      if (this.first) {
        let version: unknown;
        try {
          version = decodeEvent(data, this.file, where).file_version;
        } catch {
          version = undefined;
        }
        if (typeof version !== 'string' || !version.startsWith('brain.Event:')) {
          throw new BitnetLabError('header', 'not a TensorBoard event file (a TFRecord file whose first record is not an Event with a "brain.Event:" file version)', { file: this.file, offset: 0 });
        }
        this.first = false;
      }
      out.push(data.slice());
      at += HEADER_BYTES + n + FOOTER_BYTES;
    }
    this.pending = this.pending.slice(at);
    this.offset += at;
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a, 0);
  c.set(b, a.length);
  return c;
}

// Field numbers of tensorflow/core/util/event.proto, framework/summary.proto,
// tensor.proto and tensor_shape.proto; only the fields scalars need.
const root = protobuf.Root.fromJSON({
  nested: {
    Event: { fields: { wall_time: { type: 'double', id: 1 }, step: { type: 'int64', id: 2 }, file_version: { type: 'string', id: 3 }, summary: { type: 'Summary', id: 5 } } },
    Summary: { fields: { value: { rule: 'repeated', type: 'Value', id: 1 } } },
    Value: { fields: { tag: { type: 'string', id: 1 }, simple_value: { type: 'float', id: 2 }, tensor: { type: 'TensorProto', id: 8 } } },
    TensorProto: {
      fields: {
        dtype: { type: 'int32', id: 1 },
        tensor_shape: { type: 'TensorShapeProto', id: 2 },
        tensor_content: { type: 'bytes', id: 4 },
        float_val: { rule: 'repeated', type: 'float', id: 5 },
        double_val: { rule: 'repeated', type: 'double', id: 6 },
        int_val: { rule: 'repeated', type: 'int32', id: 7 },
        int64_val: { rule: 'repeated', type: 'int64', id: 10 },
        half_val: { rule: 'repeated', type: 'int32', id: 13 },
      },
    },
    TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 } } },
    Dim: { fields: { size: { type: 'int64', id: 1 } } },
  },
});
const EventType = root.lookupType('Event');

interface EventObject {
  wall_time?: number;
  step?: number;
  file_version?: string;
  summary?: { value?: ValueObject[] };
}
interface ValueObject {
  tag?: string;
  simple_value?: number;
  tensor?: TensorObject;
}
interface TensorObject {
  dtype?: number;
  tensor_shape?: { dim?: { size?: number }[] };
  tensor_content?: Uint8Array;
  float_val?: number[];
  double_val?: number[];
  int_val?: number[];
  int64_val?: number[];
  half_val?: number[];
}

function decodeEvent(data: Uint8Array, file: string, offset?: number): EventObject {
  try {
    return EventType.toObject(EventType.decode(data), { longs: Number }) as EventObject;
  } catch (e) {
    throw new BitnetLabError('header', `event record is not an Event protobuf (${(e as Error).message})`, { file, offset });
  }
}

/** TensorFlow DataType enum values (types.proto) that a scalar may have. */
const DT = { FLOAT: 1, DOUBLE: 2, INT32: 3, INT64: 9, BFLOAT16: 14, HALF: 19 } as const;

/** The number in a one-element numeric tensor, or null (not a scalar, or not numeric). */
export function tensorScalar(t: TensorObject): number | null {
  const dims = t.tensor_shape?.dim ?? [];
  if (dims.reduce((n, d) => n * Number(d.size ?? 0), 1) !== 1) return null;
  const c = t.tensor_content;
  const view = c && c.length > 0 ? new DataView(c.buffer, c.byteOffset, c.byteLength) : undefined;
  switch (t.dtype) {
    case DT.FLOAT:
      return view && c!.length >= 4 ? view.getFloat32(0, true) : t.float_val?.[0] ?? null;
    case DT.DOUBLE:
      return view && c!.length >= 8 ? view.getFloat64(0, true) : t.double_val?.[0] ?? null;
    case DT.INT32:
      return view && c!.length >= 4 ? view.getInt32(0, true) : t.int_val?.[0] ?? null;
    case DT.INT64:
      return view && c!.length >= 8 ? Number(view.getBigInt64(0, true)) : t.int64_val?.[0] ?? null;
    case DT.HALF: {
      const bits = view && c!.length >= 2 ? view.getUint16(0, true) : t.half_val?.[0];
      return bits === undefined ? null : halfToFloat(bits);
    }
    case DT.BFLOAT16: {
      const bits = view && c!.length >= 2 ? view.getUint16(0, true) : t.half_val?.[0];
      if (bits === undefined) return null;
      const f = new DataView(new ArrayBuffer(4));
      f.setUint32(0, (bits & 0xffff) << 16);
      return f.getFloat32(0);
    }
    default:
      return null;
  }
}

function halfToFloat(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The scalar values of one event record (none for graphs, histograms, images, text, …). */
export function scalarsOfEvent(data: Uint8Array, file: string): ScalarRecord[] {
  const ev = decodeEvent(data, file);
  const out: ScalarRecord[] = [];
  for (const v of ev.summary?.value ?? []) {
    if (!v.tag) continue;
    const value = v.simple_value !== undefined ? v.simple_value : v.tensor ? tensorScalar(v.tensor) : null;
    if (value === null) continue;
    out.push({ tag: v.tag, step: Number(ev.step ?? 0), value, wallTime: Number(ev.wall_time ?? 0), file });
  }
  return out;
}
