/**
 * GGUF metadata values, typed as stored (ggml docs/gguf.md), read through a
 * FileCursor, and their one-line renderings for the inspector.
 *
 * Hostile headers: every declared count and length is checked against the
 * bytes left in the file before anything is allocated, and a whole header
 * shares one budget of array items, so a file cannot make us build arrays far
 * beyond any real tokenizer's (the largest vocabularies hold ~260k tokens and
 * ~500k merges). Nested arrays are refused, as llama.cpp's gguf.cpp does.
 */
import { BitnetLabError } from '../../errors.js';
import type { FileCursor } from './fileCursor.js';
import { GGUF_ITEM_BYTES, GGUF_TYPE_ID, ggufItemType, type GgufItemType, type GgufValue } from './ggufValue.js';

/** Array items one header may hold in total. */
export const METADATA_ITEM_BUDGET = 1 << 24;
/** No metadata string in a real file (chat templates are tens of KB) comes near this. */
const KV_STRING_MAX = 64 * 1024 * 1024;
/** Token texts and merges are short; a megabyte-long one is corruption. */
const ARRAY_STRING_MAX = 1024 * 1024;
/** Longest string we render; longer ones (chat templates) are shown truncated. */
const DISPLAY_CHARS = 4096;
/** Small arrays are rendered element by element, larger ones summarised. */
const ARRAY_RENDER_MAX = 16;
/** Numeric arrays are read in slices of at most this many bytes. */
const READ_SLICE = 1 << 20;

export interface ItemBudget {
  used: number;
}

type FixedType = Exclude<GgufItemType, 'string'>;

function decodeFixed(type: FixedType, view: DataView, at: number): number | bigint | boolean {
  switch (type) {
    case 'u8': return view.getUint8(at);
    case 'i8': return view.getInt8(at);
    case 'u16': return view.getUint16(at, true);
    case 'i16': return view.getInt16(at, true);
    case 'u32': return view.getUint32(at, true);
    case 'i32': return view.getInt32(at, true);
    case 'f32': return view.getFloat32(at, true);
    case 'f64': return view.getFloat64(at, true);
    case 'u64': return view.getBigUint64(at, true);
    case 'i64': return view.getBigInt64(at, true);
    case 'bool': return view.getUint8(at) !== 0;
  }
}

async function readFixedArray(c: FileCursor, type: FixedType, count: number, key: string): Promise<Array<number | bigint | boolean>> {
  const size = GGUF_ITEM_BYTES[type];
  const out: Array<number | bigint | boolean> = [];
  const perSlice = Math.max(1, Math.floor(READ_SLICE / size));
  for (let done = 0; done < count; done += perSlice) {
    const n = Math.min(perSlice, count - done);
    const bytes = await c.bytes(n * size, `array "${key}"`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out.push(decodeFixed(type, view, i * size));
  }
  return out;
}

/** Reads one value of gguf_type `typeId`, positioned just after its type field. */
export async function readGgufValue(c: FileCursor, typeId: number, key: string, budget: ItemBudget): Promise<GgufValue> {
  const typeAt = c.pos - 4;
  if (typeId === GGUF_TYPE_ID.array) return readArray(c, key, budget);
  const type = ggufItemType(typeId);
  if (type === undefined) throw new BitnetLabError('header', `metadata "${key}" has unknown value type ${typeId}`, { file: c.file, offset: typeAt });
  if (type === 'string') return { type, value: await c.string(`value of "${key}"`, KV_STRING_MAX) };
  const bytes = await c.bytes(GGUF_ITEM_BYTES[type], `value of "${key}"`);
  const value = decodeFixed(type, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  return { type, value } as GgufValue;
}

async function readArray(c: FileCursor, key: string, budget: ItemBudget): Promise<GgufValue> {
  const at = c.pos;
  const itemId = await c.u32(`array type of "${key}"`);
  if (itemId === GGUF_TYPE_ID.array) {
    throw new BitnetLabError('unsupported', `array "${key}" holds arrays; nested arrays are not supported (llama.cpp refuses them too)`, { file: c.file, offset: at });
  }
  const itemType = ggufItemType(itemId);
  if (itemType === undefined) throw new BitnetLabError('header', `array "${key}" has unknown element type ${itemId}`, { file: c.file, offset: at });
  const countAt = c.pos;
  const count = await c.u64(`array count of "${key}"`);
  const minItem = itemType === 'string' ? 8 : GGUF_ITEM_BYTES[itemType];
  if (count * minItem > c.remaining) {
    throw new BitnetLabError('limit', `array "${key}" declares ${count} elements, more than the ${c.remaining} bytes left in the file can hold`, { file: c.file, offset: countAt });
  }
  if (budget.used + count > METADATA_ITEM_BUDGET) {
    throw new BitnetLabError('limit', `array "${key}" of ${count} elements takes the metadata past ${METADATA_ITEM_BUDGET} array elements, beyond any real model`, { file: c.file, offset: countAt });
  }
  budget.used += count;
  if (itemType === 'string') {
    const value: string[] = [];
    for (let i = 0; i < count; i++) value.push(await c.string(`string #${i} of "${key}"`, ARRAY_STRING_MAX));
    return { type: 'array', itemType, value };
  }
  return { type: 'array', itemType, value: await readFixedArray(c, itemType, count, key) } as GgufValue;
}

function clip(s: string): string {
  if (s.length <= DISPLAY_CHARS) return s;
  // Never cut a surrogate pair in half.
  const end = /[\uD800-\uDBFF]/.test(s[DISPLAY_CHARS - 1]!) ? DISPLAY_CHARS - 1 : DISPLAY_CHARS;
  return `${s.slice(0, end)}…`;
}

/** One line for the inspector: long strings clipped, arrays over 16 items summarised by count and type. */
export function renderGgufValue(v: GgufValue): string {
  if (v.type === 'string') return clip(v.value);
  if (v.type !== 'array') return String(v.value);
  const items: ReadonlyArray<string | number | bigint | boolean> = v.value;
  if (items.length > ARRAY_RENDER_MAX) {
    const plural = v.itemType === 'string' ? 'strings' : v.itemType === 'bool' ? 'bools' : v.itemType;
    return `[${items.length} ${plural}]`;
  }
  return `[${items.map((x) => (typeof x === 'string' ? JSON.stringify(clip(x)) : String(x))).join(', ')}]`;
}
