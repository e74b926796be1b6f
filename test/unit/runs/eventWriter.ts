/**
 * A TensorBoard event-file writer for tests, independent of the reader: the
 * protobuf wire format is encoded by hand here (varint keys, fixed32/64,
 * length-delimited), not with protobufjs, so a wrong field number or wire type
 * in the reader's schema cannot cancel out. Field numbers from
 * tensorflow/core/util/event.proto and framework/summary.proto, tensor.proto.
 */
import { maskedCrc32c } from '../../../src/core/runs/crc32c.js';

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
const bytesField = (field: number, data: Uint8Array | number[]): number[] => [...key(field, 2), ...varint(data.length), ...data];
const stringField = (field: number, s: string): number[] => bytesField(field, [...new TextEncoder().encode(s)]);
function fixed32Float(field: number, x: number): number[] {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x, true);
  return [...key(field, 5), ...new Uint8Array(b.buffer)];
}
function fixed64Double(field: number, x: number): number[] {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x, true);
  return [...key(field, 1), ...new Uint8Array(b.buffer)];
}

export type ValueSpec =
  | { tag: string; simple: number }
  /** TF2 tf.summary.scalar: a rank-0 tensor, in float_val (packed) or in tensor_content. */
  | { tag: string; tensor: { dtype: 'float' | 'double' | 'half'; value: number; form: 'val' | 'content'; halfBits?: number } }
  | { tag: string; histogram: true };

function shapeOf(dims: number[]): number[] {
  return dims.flatMap((d) => bytesField(2, key(1, 0).concat(varint(d))));
}

function tensorBytes(t: Extract<ValueSpec, { tensor: unknown }>['tensor']): number[] {
  const dtype = { float: 1, double: 2, half: 19 }[t.dtype];
  const out = [...key(1, 0), ...varint(dtype), ...bytesField(2, shapeOf([]))];
  const b = new DataView(new ArrayBuffer(8));
  if (t.dtype === 'float') b.setFloat32(0, t.value, true);
  if (t.dtype === 'double') b.setFloat64(0, t.value, true);
  if (t.dtype === 'half') b.setUint16(0, t.halfBits!, true);
  const size = { float: 4, double: 8, half: 2 }[t.dtype];
  if (t.form === 'content') return [...out, ...bytesField(4, new Uint8Array(b.buffer, 0, size))];
  if (t.dtype === 'float') return [...out, ...bytesField(5, new Uint8Array(b.buffer, 0, 4))]; // packed repeated float
  if (t.dtype === 'double') return [...out, ...bytesField(6, new Uint8Array(b.buffer, 0, 8))];
  return [...out, ...bytesField(13, varint(t.halfBits!))]; // packed repeated int32
}

function valueBytes(v: ValueSpec): number[] {
  const tag = stringField(1, v.tag);
  if ('simple' in v) return [...tag, ...fixed32Float(2, v.simple)];
  if ('tensor' in v) return [...tag, ...bytesField(8, tensorBytes(v.tensor))];
  // HistogramProto (field 5): min, max, num — something a scalar reader must skip.
  return [...tag, ...bytesField(5, [...fixed64Double(1, -1), ...fixed64Double(2, 1), ...fixed64Double(3, 10)])];
}

export function eventBytes(e: { wallTime: number; step?: number; fileVersion?: string; values?: ValueSpec[]; graphDef?: boolean }): Uint8Array {
  const out = [...fixed64Double(1, e.wallTime)];
  if (e.step !== undefined) out.push(...key(2, 0), ...varint(e.step));
  if (e.fileVersion !== undefined) out.push(...stringField(3, e.fileVersion));
  if (e.graphDef) out.push(...bytesField(4, [1, 2, 3]));
  if (e.values) out.push(...bytesField(5, e.values.flatMap((v) => bytesField(1, valueBytes(v)))));
  return Uint8Array.from(out);
}

/** TFRecord framing: uint64 length, masked CRC of it, data, masked CRC of the data. */
export function frame(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(data.length), true);
  v.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  v.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

export function eventFile(events: Parameters<typeof eventBytes>[0][]): Uint8Array {
  const parts = [{ wallTime: 1e9, fileVersion: 'brain.Event:2' }, ...events].map((e) => frame(eventBytes(e)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
