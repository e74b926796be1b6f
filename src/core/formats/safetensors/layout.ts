/**
 * The canonical safetensors layout, as the Rust `safetensors` crate writes it
 * (safetensors/src/tensor.rs `prepare` and `Metadata` serialization):
 * - tensors sorted by descending dtype rank (the crate's alignment order), then by name;
 * - data_offsets packed from 0 in that order;
 * - header JSON compact, "__metadata__" first, then tensors in layout order;
 * - JSON padded with spaces so N (and therefore 8 + N) is a multiple of 8.
 * Metadata is a hash map in Rust (unordered); we sort its keys so our output is
 * deterministic. JSON.stringify escapes strings the way serde_json does
 * (", \, control characters as \b \f \n \r \t or lower-case \u00xx; nothing else).
 */
import { BitnetLabError } from '../../errors.js';
import { dtypeInfo } from '../dtypes.js';
import { METADATA_KEY } from './header.js';

export interface TensorDecl {
  name: string;
  dtype: string;
  shape: readonly number[];
}

export interface PlannedTensor {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  bytes: number;
  /** Absolute file offset: 8 + N + begin. */
  offset: number;
}

export interface SafetensorsLayout {
  /** The N padded header bytes. */
  header: Uint8Array;
  dataStart: number;
  /** Total file size. */
  fileSize: number;
  /** In layout (file) order. */
  tensors: PlannedTensor[];
}

function compareNames(a: string, b: string): number {
  // Rust compares String bytes (UTF-8); JS `<` compares UTF-16 units. They agree
  // except for astral vs high-BMP characters, so compare bytes to be exact.
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function planSafetensorsLayout(decls: readonly TensorDecl[], metadata?: Readonly<Record<string, string>>, file = '<output>'): SafetensorsLayout {
  const seen = new Set<string>();
  const rows = decls.map((d) => {
    const place = { file, tensor: d.name };
    if (d.name === METADATA_KEY) throw new BitnetLabError('usage', `"${METADATA_KEY}" cannot be a tensor name`, place);
    if (seen.has(d.name)) throw new BitnetLabError('usage', 'tensor name given twice', place);
    seen.add(d.name);
    const info = dtypeInfo(d.dtype);
    if (info === undefined) throw new BitnetLabError('dtype', `unknown dtype "${d.dtype}"`, place);
    let params = 1;
    for (const dim of d.shape) {
      if (!Number.isSafeInteger(dim) || dim < 0) throw new BitnetLabError('usage', `bad shape [${d.shape.join(', ')}]`, place);
      params *= dim;
    }
    const bytes = (params * info.bits) / 8;
    if (!Number.isSafeInteger(bytes)) throw new BitnetLabError('usage', `shape [${d.shape.join(', ')}] is too large`, place);
    return { decl: d, rank: info.rank, bytes };
  });
  rows.sort((a, b) => b.rank - a.rank || compareNames(a.decl.name, b.decl.name));

  // JSON is assembled by hand: JS objects would hoist integer-like keys to the
  // front and treat "__proto__" specially, and the crate's order must be kept.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const kv: string[] = [];
    for (const k of Object.keys(metadata).sort(compareNames)) {
      const v = metadata[k];
      if (typeof v !== 'string') throw new BitnetLabError('usage', `metadata value of "${k}" is not a string`, { file });
      kv.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${kv.join(',')}}`);
  }
  const tensors: PlannedTensor[] = [];
  let pos = 0;
  for (const { decl, bytes } of rows) {
    tensors.push({ name: decl.name, dtype: decl.dtype, shape: decl.shape.slice(), begin: pos, end: pos + bytes, bytes, offset: 0 });
    parts.push(`${JSON.stringify(decl.name)}:{"dtype":${JSON.stringify(decl.dtype)},"shape":[${decl.shape.join(',')}],"data_offsets":[${pos},${pos + bytes}]}`);
    pos += bytes;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const n = json.length + ((8 - (json.length % 8)) % 8);
  if (n > 100_000_000) throw new BitnetLabError('limit', `header would be ${n} bytes, over the spec's 100,000,000`, { file });
  const padded = new Uint8Array(n).fill(0x20);
  padded.set(json, 0);
  const dataStart = 8 + n;
  for (const t of tensors) t.offset = dataStart + t.begin;
  return { header: padded, dataStart, fileSize: dataStart + pos, tensors };
}

/** The first 8 + N bytes of the file: length then padded header. */
export function headerPrefix(layout: SafetensorsLayout): Uint8Array {
  const out = new Uint8Array(layout.dataStart);
  new DataView(out.buffer).setBigUint64(0, BigInt(layout.header.length), true);
  out.set(layout.header, 8);
  return out;
}
