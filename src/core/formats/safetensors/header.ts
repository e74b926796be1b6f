/**
 * safetensors header: read and validate, never touching tensor data.
 *
 * Layout [bitnet-reference.md §4d; huggingface/safetensors README and
 * safetensors/src/tensor.rs]: u64 little-endian N, then N bytes of UTF-8 JSON,
 * then the data buffer. Every rule of the spec is checked here, and each
 * violation names the file, the tensor and an absolute byte offset (of the
 * tensor's key in the header for header problems, of its data for layout ones).
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { BitnetLabError } from '../../errors.js';
import { dtypeInfo } from '../dtypes.js';
import { byteIndex, scanJsonKeys } from './jsonKeys.js';

/** The Rust reader's MAX_HEADER_SIZE. */
export const MAX_HEADER_BYTES = 100_000_000;
export const METADATA_KEY = '__metadata__';

export interface SafetensorsTensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** data_offsets as written: relative to the data buffer, end exclusive. */
  begin: number;
  end: number;
  /** Absolute file offset of the data: 8 + N + begin. */
  offset: number;
  bytes: number;
  /** Product of shape (rank 0 → 1, any zero dim → 0). */
  params: number;
}

export interface SafetensorsHeader {
  file: string;
  /** N: header length in bytes, including any padding. */
  headerBytes: number;
  /** 8 + N: where the data buffer starts. */
  dataStart: number;
  fileSize: number;
  /** In data order (sorted by offsets). */
  tensors: SafetensorsTensorInfo[];
  metadata: Record<string, string>;
  /** Whether the header had a __metadata__ object at all. */
  hasMetadata: boolean;
}

export interface HeaderReadOptions {
  /** Refuse headers larger than this before allocating (default 100,000,000, the spec's cap). */
  maxHeaderBytes?: number;
}

function ioError(file: string, e: unknown): BitnetLabError {
  const msg = e instanceof Error ? e.message : String(e);
  return new BitnetLabError('io', `cannot read: ${msg}`, { file });
}

/** Reads exactly `length` bytes at `position` or throws 'truncated'. */
export async function readExactly(handle: FileHandle, file: string, buf: Uint8Array, position: number, what: string): Promise<void> {
  let done = 0;
  while (done < buf.byteLength) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buf, done, buf.byteLength - done, position + done));
    } catch (e) {
      throw ioError(file, e);
    }
    if (bytesRead === 0) {
      throw new BitnetLabError('truncated', `file ends while reading ${what}`, { file, offset: position + done });
    }
    done += bytesRead;
  }
}

/** Reads and validates the header through an open handle (8 + N bytes read, nothing else). */
export async function readHeaderFrom(
  handle: FileHandle,
  file: string,
  options: HeaderReadOptions = {},
): Promise<SafetensorsHeader> {
  const maxHeader = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  let fileSize: number;
  try {
    fileSize = (await handle.stat()).size;
  } catch (e) {
    throw ioError(file, e);
  }
  if (fileSize < 8) {
    throw new BitnetLabError('truncated', `file is ${fileSize} bytes, shorter than the 8-byte header length`, { file, offset: 0 });
  }
  const lenBytes = new Uint8Array(8);
  await readExactly(handle, file, lenBytes, 0, 'the header length');
  const view = new DataView(lenBytes.buffer);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  // Decide on the size before allocating anything: a hostile 2^63 must cost nothing.
  if (hi !== 0 || lo > maxHeader) {
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    throw new BitnetLabError('limit', `header length ${n} exceeds the limit of ${maxHeader} bytes`, { file, offset: 0 });
  }
  const n = lo;
  if (8 + n > fileSize) {
    throw new BitnetLabError('truncated', `header length ${n} runs past the end of the ${fileSize}-byte file`, { file, offset: 8 });
  }
  return parseSafetensorsHeader(await readHeaderBytes(handle, file, n), fileSize, file);
}

async function readHeaderBytes(handle: FileHandle, file: string, n: number): Promise<Uint8Array> {
  const json = new Uint8Array(n);
  await readExactly(handle, file, json, 8, 'the header');
  return json;
}

/** Opens, reads and validates a header, then closes the file. */
export async function readSafetensorsHeader(path: string, options: HeaderReadOptions = {}): Promise<SafetensorsHeader> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw ioError(path, e);
  }
  try {
    return await readHeaderFrom(handle, path, options);
  } finally {
    await handle.close();
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Validates header JSON bytes (the N bytes after the length) against a file of
 * `fileSize` bytes. Pure: exported so tests and writers can check headers in memory.
 */
export function parseSafetensorsHeader(json: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const n = json.byteLength;
  let text: string;
  try {
    text = strictUtf8.decode(json);
  } catch {
    throw new BitnetLabError('header', 'header is not valid UTF-8', { file, offset: 8 });
  }
  // From here on only the text is used, so callers that drop their reference
  // let the bytes go before JSON.parse builds its objects (a 59 MB header's
  // bytes, text and parse tree would otherwise all be alive at once).
  return parseHeaderText(text, n, fileSize, file);
}

function parseHeaderText(text: string, n: number, fileSize: number, file: string): SafetensorsHeader {
  const dataStart = 8 + n;
  // The spec wants '{' first; the Rust reader tolerates leading whitespace, so do we.
  // (Leading whitespace is ASCII, so the UTF-16 index equals the byte index.)
  let first = 0;
  while (first < text.length && (text.charCodeAt(first) === 0x20 || text.charCodeAt(first) === 0x09 || text.charCodeAt(first) === 0x0a || text.charCodeAt(first) === 0x0d)) first++;
  if (text.charCodeAt(first) !== 0x7b) {
    throw new BitnetLabError('header', 'header does not start with "{" (not a safetensors file?)', { file, offset: 8 + first });
  }
  // The header is never parsed whole: JSON.parse of a 400,000-tensor header
  // builds a tree several times the text's size. The top-level object is
  // walked here and each entry's value parsed on its own, once to check the
  // syntax of the whole text (so a syntax error anywhere is reported first, as
  // a whole parse would), then again to build the entries.
  walkTopLevel(text, first, file, () => undefined);
  const keys = scanJsonKeys(text);
  if (keys.duplicate !== undefined) {
    const { key, at } = keys.duplicate;
    throw new BitnetLabError('header', `duplicate key "${key}" in header`, { file, tensor: key, offset: 8 + byteIndex(text, at) });
  }
  // Only computed when an error needs it: byte offsets cost a slice each.
  const keyOffset = (name: string): number => 8 + byteIndex(text, keys.topLevelAt(name) ?? first);

  let metadata: Record<string, string> = {};
  let hasMetadata = false;
  const tensors: SafetensorsTensorInfo[] = [];
  walkTopLevel(text, first, file, (name, value) => {
    if (name === METADATA_KEY) {
      metadata = validateMetadata(value, file, () => keyOffset(name));
      hasMetadata = true;
      return;
    }
    tensors.push(validateEntry(name, value, file, () => keyOffset(name), dataStart));
  });

  // Per-tensor bounds first: "runs past the end" is more useful than "gap".
  const dataSize = fileSize - dataStart;
  for (const t of tensors) {
    if (t.end > dataSize) {
      throw new BitnetLabError('truncated', `data [${t.begin}, ${t.end}) runs past the end of the file (data buffer is ${dataSize} bytes)`, {
        file,
        tensor: t.name,
        offset: t.offset,
      });
    }
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const t of tensors) {
    if (t.begin !== expected) {
      const what = t.begin > expected ? `gap of ${t.begin - expected} bytes before it` : `overlaps the previous tensor by ${expected - t.begin} bytes`;
      throw new BitnetLabError('layout', `data offsets are not contiguous: ${what}`, { file, tensor: t.name, offset: t.offset });
    }
    expected = t.end;
  }
  if (expected !== dataSize) {
    throw new BitnetLabError('layout', `${dataSize - expected} bytes after the last tensor are not covered by any tensor`, {
      file,
      offset: dataStart + expected,
    });
  }
  return { file, headerBytes: n, dataStart, fileSize, tensors, metadata, hasMetadata };
}

const WS = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Walks the top-level object of valid-or-not JSON `text` (whose "{" is at
 * `open`), calling `use` with each key and its value parsed alone. Syntax
 * errors are reported as JSON.parse would, with the byte where they are.
 */
function walkTopLevel(text: string, open: number, file: string, use: (key: string, value: unknown) => void): void {
  const n = text.length;
  const syntax = (reason: string, at: number): BitnetLabError =>
    new BitnetLabError('header', `header is not valid JSON (${reason} in JSON at position ${at})`, { file, offset: 8 + byteIndex(text, at) });
  // A piece parsed alone (a key or a value) failed: V8's reason, placed in the whole text.
  const parsedAlone = (e: unknown, start: number, length: number): BitnetLabError =>
    syntax(jsonErrorReason(e).replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, ''), start + jsonErrorPosition(e, length));
  const skipWs = (i: number): number => {
    while (i < n && WS(text.charCodeAt(i))) i++;
    return i;
  };
  let i = skipWs(open + 1);
  if (text.charCodeAt(i) === 0x7d) i++;
  else {
    for (;;) {
      if (i >= n || text.charCodeAt(i) !== 0x22) throw syntax(i >= n ? 'Unterminated object' : 'Expected double-quoted property name', i);
      // The key: a JSON string, decoded only when it holds escapes.
      const keyStart = i;
      let j = i + 1;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c === 0x5c) j++;
        else if (c === 0x22) break;
        else if (c < 0x20) throw syntax('Bad control character in string literal', j);
      }
      if (j >= n) throw syntax('Unterminated string', n);
      // Decoded by JSON.parse even without escapes: a plain slice would be a
      // view into the whole header text and keep it alive as long as any name.
      let key: string;
      try {
        key = JSON.parse(text.slice(keyStart, j + 1)) as string;
      } catch (e) {
        throw parsedAlone(e, keyStart, j + 1 - keyStart);
      }
      i = skipWs(j + 1);
      if (text.charCodeAt(i) !== 0x3a) throw syntax("Expected ':' after property name", i);
      const valueStart = skipWs(i + 1);
      const valueEnd = endOfValue(text, valueStart);
      let value: unknown;
      try {
        value = JSON.parse(text.slice(valueStart, valueEnd));
      } catch (e) {
        throw parsedAlone(e, valueStart, valueEnd - valueStart);
      }
      use(key, value);
      i = skipWs(valueEnd);
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i = skipWs(i + 1);
        continue;
      }
      if (c === 0x7d) {
        i++;
        break;
      }
      throw syntax(i >= n ? 'Unterminated object' : "Expected ',' or '}' after property value", i);
    }
  }
  i = skipWs(i);
  if (i < n) throw syntax('Unexpected non-whitespace character after the object', i);
}

/** Where the JSON value starting at `i` ends: its closing bracket, or the first delimiter after a scalar. */
function endOfValue(text: string, i: number): number {
  const n = text.length;
  const c0 = text.charCodeAt(i);
  if (c0 === 0x22) {
    for (let j = i + 1; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x5c) j++;
      else if (c === 0x22) return j + 1;
    }
    return n;
  }
  if (c0 !== 0x7b && c0 !== 0x5b) {
    let j = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 0x2c || c === 0x7d || c === 0x5d || WS(c)) break;
      j++;
    }
    return j;
  }
  let depth = 0;
  for (let j = i; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) {
      for (j++; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return n;
}

function validateMetadata(value: unknown, file: string, offsetOf: () => number): Record<string, string> {
  if (!isPlainObject(value)) {
    throw new BitnetLabError('header', '__metadata__ is not an object', { file, tensor: METADATA_KEY, offset: offsetOf() });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new BitnetLabError('header', `__metadata__ value of "${k}" is not a string`, { file, tensor: METADATA_KEY, offset: offsetOf() });
    }
    out[k] = v;
  }
  return out;
}

function validateEntry(name: string, value: unknown, file: string, keyOffset: () => number, dataStart: number): SafetensorsTensorInfo {
  const fail = (code: 'header' | 'dtype' | 'layout', reason: string): BitnetLabError =>
    new BitnetLabError(code, reason, { file, tensor: name, offset: keyOffset() });
  if (!isPlainObject(value)) throw fail('header', 'tensor entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw fail('header', '"dtype" is missing or not a string');
  const info = dtypeInfo(dtype);
  if (info === undefined) throw fail('dtype', `unknown dtype "${dtype}"`);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail('header', '"shape" must be an array of non-negative integers');
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail('header', '"data_offsets" must be [begin, end], non-negative integers');
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw fail('layout', `data_offsets end ${end} is before begin ${begin}`);
  let params = 1;
  for (const d of shape as number[]) {
    params *= d;
    if (!Number.isSafeInteger(params)) throw fail('layout', `shape [${shape.join(', ')}] has too many elements`);
  }
  const bytes = (params * info.bits) / 8;
  if (!Number.isSafeInteger(bytes)) throw fail('layout', `shape [${shape.join(', ')}] is too large for ${dtype}`);
  if (end - begin !== bytes) {
    throw new BitnetLabError(
      'layout',
      `shape [${shape.join(', ')}] of ${dtype} needs ${bytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
      { file, tensor: name, offset: dataStart + begin },
    );
  }
  return { name, dtype, shape: (shape as number[]).slice(), begin, end, offset: dataStart + begin, bytes, params };
}

function jsonErrorReason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** V8 says "… at position 123" (a UTF-16 index into the parsed text); without one, the error is at the end. */
function jsonErrorPosition(e: unknown, length: number): number {
  const m = /position (\d+)/.exec(jsonErrorReason(e));
  return m === null ? length : Math.min(Number(m[1]), length);
}
