/**
 * GGUF header: magic, version, KV metadata and tensor infos
 * (ggml-org/ggml docs/gguf.md; bitnet-reference.md §4b "GGUF file layout").
 * Reads only the header; tensor data is located, bounds-checked and left alone.
 */
import type { FileHandle } from 'node:fs/promises';
import { BitnetLabError } from '../../errors.js';
import { FileCursor } from './fileCursor.js';
import { resolveTypeId, type ResolvedType } from './ggmlTypes.js';
import { readGgufValue, renderGgufValue } from './ggufMetadata.js';
import type { GgufEntry } from './ggufValue.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS. */
const MAX_DIMS = 4;
/** ggml's GGML_MAX_NAME is 64 (incl. NUL); we accept more but not absurd. */
const TENSOR_NAME_MAX = 4096;

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
  /** All KVs rendered as strings, for display. */
  metadata: Record<string, string>;
  /** All KVs with their stored types, in file order (what GGUF → GGUF copies and tokenizers read). */
  entries: GgufEntry[];
  architecture: string | undefined;
  tensors: GgufTensorInfo[];
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
  const entries: GgufEntry[] = [];
  const budget = { used: 0 };
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  for (let i = 0; i < kvCount; i++) {
    const keyAt = c.pos;
    const key = await c.string(`metadata key #${i}`, 65536);
    // gguf.cpp refuses a repeated key; keeping both would make GGUF → GGUF copies ambiguous.
    if (key in metadata) throw new BitnetLabError('header', `metadata key "${key}" appears twice`, { file, offset: keyAt });
    const typeAt = c.pos;
    const type = await c.u32(`type of "${key}"`);
    const value = await readGgufValue(c, type, key, budget);
    entries.push({ key, ...value });
    metadata[key] = renderGgufValue(value);
    if (key === 'general.alignment') {
      const a = typeof value.value === 'number' || typeof value.value === 'bigint' ? Number(value.value) : NaN;
      if (!Number.isInteger(a) || a <= 0 || a % 8 !== 0 || a > 1 << 20) {
        throw new BitnetLabError('header', `general.alignment ${metadata[key]} is not a positive multiple of 8`, { file, offset: typeAt });
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
  return { file, version, fileSize, alignment, dataStart, metadata, entries, architecture, tensors };
}
