/**
 * Hand-assembles GGUF bytes for reader tests, independently of our writer,
 * straight from ggml docs/gguf.md: magic, version, counts, KVs, tensor infos,
 * padding to the alignment, data.
 */
export type Kv = [key: string, type: number, value: Buffer];

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}
export function u64(v: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}
export function gstr(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u64(b.length), b]);
}
export const kvString = (key: string, value: string): Kv => [key, 8, gstr(value)];
export const kvU32 = (key: string, value: number): Kv => [key, 4, u32(value)];
export const kvStringArray = (key: string, values: string[]): Kv => [key, 9, Buffer.concat([u32(8), u64(values.length), ...values.map(gstr)])];
export const kvF32Array = (key: string, values: number[]): Kv => [
  key,
  9,
  Buffer.concat([u32(6), u64(values.length), ...values.map((v) => { const b = Buffer.alloc(4); b.writeFloatLE(v); return b; })]),
];

export interface BuildTensor {
  name: string;
  dims: number[];
  type: number;
  data: Uint8Array;
  /** Override the stored relative offset (for corrupt files). */
  offset?: number;
}

export function buildGguf(opts: { version?: number; kvs?: Kv[]; tensors?: BuildTensor[]; alignment?: number; magic?: string }): Buffer {
  const align = opts.alignment ?? 32;
  const kvs = opts.kvs ?? [];
  const tensors = opts.tensors ?? [];
  const parts: Buffer[] = [Buffer.from(opts.magic ?? 'GGUF', 'latin1'), u32(opts.version ?? 3), u64(tensors.length), u64(kvs.length)];
  for (const [k, type, v] of kvs) parts.push(gstr(k), u32(type), v);
  let rel = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(rel);
    parts.push(gstr(t.name), u32(t.dims.length), ...t.dims.map((d) => u64(d)), u32(t.type), u64(t.offset ?? rel));
    rel = Math.ceil((rel + t.data.length) / align) * align;
  }
  const header = Buffer.concat(parts);
  const dataStart = Math.ceil(header.length / align) * align;
  const out = Buffer.alloc(dataStart + rel);
  header.copy(out, 0);
  tensors.forEach((t, i) => Buffer.from(t.data).copy(out, dataStart + offsets[i]!));
  return out;
}
