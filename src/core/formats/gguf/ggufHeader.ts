/**
 * GGUF header: magic, version, KV metadata and tensor infos
 * (ggml-org/ggml docs/gguf.md; bitnet-reference.md §4b "GGUF file layout").
 * Reads only the header; tensor data is located, bounds-checked and left alone.
 */
import type { FileHandle } from 'node:fs/promises';
import { BitnetLabError } from '../../errors.js';
import { FileCursor } from './fileCursor.js';
import { resolveTypeId, type ResolvedType } from './ggmlTypes.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS. */
const MAX_DIMS = 4;
/** Longest KV string we render; longer ones (chat templates) are shown truncated. */
const KV_STRING_DISPLAY = 4096;
/** No single metadata string in a real file comes near this; larger is corruption. */
const KV_STRING_MAX = 256 * 1024 * 1024;
/** ggml's GGML_MAX_NAME is 64 (incl. NUL); we accept more but not absurd. */
const TENSOR_NAME_MAX = 4096;
/** Small arrays are rendered element by element, larger ones summarised. */
const ARRAY_RENDER_MAX = 16;

export const GgufValueType = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6,
  BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;

const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const TYPE_NAMES: Record<number, string> = {
  0: 'u8', 1: 'i8', 2: 'u16', 3: 'i16', 4: 'u32', 5: 'i32', 6: 'f32', 7: 'bools', 8: 'strings', 10: 'u64', 11: 'i64', 12: 'f64',
};

export interface GgufTensorInfo {
  name: string;
  /** ggml order, fastest-varying first. */
  dims: number[];
  typeId: number;
  type: ResolvedType;
  /** Relative to the data section start, as stored. */
  relOffset: number;
  /** Absolute file offset. */
  offset: number;
  n: number;
  /** Offset in the file where this tensor's info record starts (for error messages). */
  infoOffset: number;
}

export interface GgufHeader {
  file: string;
  version: number;
  fileSize: number;
  alignment: number;
  dataStart: number;
  /** All KVs rendered as strings. */
  metadata: Record<string, string>;
  architecture: string | undefined;
  tensors: GgufTensorInfo[];
}

function scalarToString(type: number, b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 0: return String(v.getUint8(0));
    case 1: return String(v.getInt8(0));
    case 2: return String(v.getUint16(0, true));
    case 3: return String(v.getInt16(0, true));
    case 4: return String(v.getUint32(0, true));
    case 5: return String(v.getInt32(0, true));
    case 6: return String(v.getFloat32(0, true));
    case 7: return v.getUint8(0) !== 0 ? 'true' : 'false';
    case 10: return v.getBigUint64(0, true).toString();
    case 11: return v.getBigInt64(0, true).toString();
    case 12: return String(v.getFloat64(0, true));
    default: return '?';
  }
}

async function readValue(c: FileCursor, type: number, key: string, depth: number): Promise<string> {
  const at = c.pos;
  if (type === GgufValueType.STRING) return c.string(`value of "${key}"`, KV_STRING_MAX, KV_STRING_DISPLAY);
  const size = SCALAR_BYTES[type];
  if (size !== undefined) return scalarToString(type, await c.bytes(size, `value of "${key}"`));
  if (type === GgufValueType.ARRAY) {
    if (depth > 2) throw new BitnetLabError('header', `arrays nested too deep in "${key}"`, { file: c.file, offset: at });
    const elemType = await c.u32(`array type of "${key}"`);
    const countAt = c.pos;
    const count = await c.u64(`array count of "${key}"`);
    const minElem = elemType === GgufValueType.STRING ? 8 : elemType === GgufValueType.ARRAY ? 12 : SCALAR_BYTES[elemType];
    if (minElem === undefined) throw new BitnetLabError('header', `array "${key}" has unknown element type ${elemType}`, { file: c.file, offset: at });
    if (count * minElem > c.remaining) {
      throw new BitnetLabError('limit', `array "${key}" declares ${count} elements, more than the ${c.remaining} bytes left in the file can hold`, { file: c.file, offset: countAt });
    }
    const shown: string[] = [];
    if (elemType !== GgufValueType.STRING && elemType !== GgufValueType.ARRAY && count > ARRAY_RENDER_MAX) {
      await c.skip(count * minElem, `array "${key}"`);
    } else if (elemType === GgufValueType.STRING && count > ARRAY_RENDER_MAX) {
      // Tokenizer vocabularies: hundreds of thousands of strings we only count.
      for (let i = 0; i < count; i++) {
        const at = c.pos;
        const len = await c.u64(`length of string #${i} in "${key}"`);
        if (len > c.remaining) {
          throw new BitnetLabError(len > c.fileSize ? 'limit' : 'truncated', `string #${i} of "${key}" declares ${len} bytes, ${c.remaining} remain`, { file: c.file, offset: at });
        }
        await c.skip(len, `string #${i} of "${key}"`);
      }
    } else {
      for (let i = 0; i < count; i++) {
        const s = await readValue(c, elemType, key, depth + 1);
        if (count <= ARRAY_RENDER_MAX) shown.push(elemType === GgufValueType.STRING ? JSON.stringify(s) : s);
      }
    }
    return count <= ARRAY_RENDER_MAX ? `[${shown.join(', ')}]` : `[${count} ${TYPE_NAMES[elemType] ?? 'arrays'}]`;
  }
  throw new BitnetLabError('header', `metadata "${key}" has unknown value type ${type}`, { file: c.file, offset: at - 4 });
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

export async function readGgufHeader(handle: FileHandle, file: string, fileSize: number): Promise<GgufHeader> {
  const c = new FileCursor(handle, file, fileSize);
  const magic = await c.u32('magic');
  if (magic !== GGUF_MAGIC) {
    throw new BitnetLabError('header', `not a GGUF file (magic 0x${magic.toString(16).padStart(8, '0')}, expected "GGUF")`, { file, offset: 0 });
  }
  const version = await c.u32('version');
  if (version === 0x02000000 || version === 0x03000000) {
    throw new BitnetLabError('unsupported', 'big-endian GGUF (we read little-endian files only)', { file, offset: 4 });
  }
  if (version !== 2 && version !== 3) {
    throw new BitnetLabError('unsupported', `GGUF version ${version} (we read versions 2 and 3)`, { file, offset: 4 });
  }
  const tensorCount = await c.u64('tensor count');
  // Each tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes; each KV at least 8 + 4 + 1.
  if (tensorCount * 24 > c.remaining) {
    throw new BitnetLabError('limit', `tensor count ${tensorCount} cannot fit in the ${fileSize}-byte file`, { file, offset: 8 });
  }
  const kvCount = await c.u64('metadata count');
  if (kvCount * 13 > c.remaining) {
    throw new BitnetLabError('limit', `metadata count ${kvCount} cannot fit in the ${fileSize}-byte file`, { file, offset: 16 });
  }

  const metadata: Record<string, string> = {};
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  for (let i = 0; i < kvCount; i++) {
    const key = await c.string(`metadata key #${i}`, 65536);
    const typeAt = c.pos;
    const type = await c.u32(`type of "${key}"`);
    const value = await readValue(c, type, key, 0);
    metadata[key] = value;
    if (key === 'general.alignment') {
      const a = Number(value);
      if (!Number.isInteger(a) || a <= 0 || a % 8 !== 0 || a > 1 << 20) {
        throw new BitnetLabError('header', `general.alignment ${value} is not a positive multiple of 8`, { file, offset: typeAt });
      }
      alignment = a;
    }
  }
  const architecture = metadata['general.architecture'];

  const raw: Array<Omit<GgufTensorInfo, 'type' | 'offset'>> = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const infoOffset = c.pos;
    const name = await c.string(`name of tensor #${i}`, TENSOR_NAME_MAX);
    if (names.has(name)) throw new BitnetLabError('header', 'duplicate tensor name', { file, tensor: name, offset: infoOffset });
    names.add(name);
    const nDims = await c.u32('dimension count');
    if (nDims > MAX_DIMS) throw new BitnetLabError('header', `${nDims} dimensions (ggml allows at most ${MAX_DIMS})`, { file, tensor: name, offset: infoOffset });
    const dims: number[] = [];
    let n = 1;
    for (let d = 0; d < nDims; d++) {
      const dim = await c.u64('dimension');
      dims.push(dim);
      n *= dim;
    }
    if (!Number.isSafeInteger(n) || n > fileSize * 8) {
      throw new BitnetLabError('limit', `shape [${dims.join(', ')}] holds more elements than the file can store`, { file, tensor: name, offset: infoOffset });
    }
    const typeId = await c.u32('tensor type');
    const relOffset = await c.u64('tensor offset');
    raw.push({ name, dims, typeId, relOffset, n, infoOffset });
  }
  const dataStart = alignUp(c.pos, alignment);
  if (dataStart > fileSize && raw.length > 0) {
    throw new BitnetLabError('truncated', 'file ends before the tensor data section', { file, offset: c.pos });
  }

  // Spans (start of next tensor or end of file) feed the type-36 size rule.
  const starts = [...new Set(raw.map((t) => t.relOffset))].sort((a, b) => a - b);
  const dataBytes = fileSize - dataStart;
  const tensors: GgufTensorInfo[] = raw.map((t) => {
    const offset = dataStart + t.relOffset;
    if (t.relOffset % alignment !== 0) {
      throw new BitnetLabError('layout', `data offset ${t.relOffset} is not a multiple of the alignment ${alignment}`, { file, tensor: t.name, offset });
    }
    const next = starts.find((s) => s > t.relOffset);
    const span = (next ?? dataBytes) - t.relOffset;
    const type = resolveTypeId(t.typeId, { architecture, span, n: t.n, rowLength: t.dims[0] ?? 1 });
    if (t.relOffset > dataBytes || (type.bytes !== undefined && t.relOffset + type.bytes > dataBytes)) {
      throw new BitnetLabError('truncated', `tensor data (${type.bytes ?? '?'} bytes at data offset ${t.relOffset}) runs past the end of the file`, { file, tensor: t.name, offset });
    }
    return { ...t, type, offset };
  });
  return { file, version, fileSize, alignment, dataStart, metadata, architecture, tensors };
}
