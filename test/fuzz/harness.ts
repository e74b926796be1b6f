/**
 * Fuzz harness library: a seeded deterministic PRNG and byte/JSON mutators.
 *
 * Everything here is a pure function of (seed, format, case index), so any
 * case a run reports can be regenerated exactly — by the pool after a worker
 * was killed for hanging, or by a person replaying a count.
 */

/** FNV-1a over a string: turns "seed:format:index" into a 32-bit PRNG seed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: small, fast, and good enough to pick mutations; not for anything cryptographic. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A fixed-width little-endian integer field in a file (a length, count, offset or dim). */
export interface Field {
  at: number;
  size: 4 | 8;
  what: string;
}

/** What a seed file looks like inside, so mutations can aim at its structure. */
export interface FileStructure {
  /** Byte positions where one structure ends and the next begins. */
  boundaries: number[];
  /** Integer fields worth corrupting. */
  fields: Field[];
  /** Byte ranges of tensor payloads and the element encoding, for NaN/Inf injection. */
  payloads: Array<{ at: number; bytes: number; dtype: string }>;
  /** For safetensors-like files: where the JSON header is. */
  json?: { at: number; bytes: number };
  /** For JSON files (index, config, model.json): the whole file is JSON. */
  wholeJson?: boolean;
  /** Byte ranges of stored names (GGUF tensor names), for making two alike. */
  names?: Array<{ at: number; bytes: number }>;
}

/** Values a length field is set to: the classic edge cases plus "negative read as unsigned". */
export function hostileInts(rng: Rng, original: bigint, size: 4 | 8): bigint {
  const max = size === 4 ? 0xffffffffn : 0xffffffffffffffffn;
  const choices: bigint[] = [
    0n,
    1n,
    max,                     // -1 as unsigned
    max - BigInt(rng.int(64)), // small negative as unsigned
    size === 4 ? 0x80000000n : 0x8000000000000000n,
    size === 4 ? 0x7fffffffn : 0x7fffffffffffffffn,
    0x100000000n & max,
    2n ** 53n & max,
    (2n ** 53n + 1n) & max,
    original + 1n,
    original > 0n ? original - 1n : 0n,
    original * 2n,
    original + BigInt(1 + rng.int(4096)),
    BigInt(rng.int(1 << 20)),
  ];
  return rng.pick(choices) & max;
}

export function writeUint(bytes: Uint8Array, at: number, size: 4 | 8, value: bigint): void {
  if (at + size > bytes.length) return;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 4) v.setUint32(at, Number(value & 0xffffffffn), true);
  else v.setBigUint64(at, value, true);
}

export function readUint(bytes: Uint8Array, at: number, size: 4 | 8): bigint {
  if (at + size > bytes.length) return 0n;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return size === 4 ? BigInt(v.getUint32(at, true)) : v.getBigUint64(at, true);
}

/** Bit patterns of NaN, ±Inf and huge values per element encoding. */
const NONFINITE: Record<string, number[][]> = {
  BF16: [[0xc0, 0x7f], [0x80, 0x7f], [0x80, 0xff], [0x7f, 0x7f], [0x01, 0x80]],
  F16: [[0x00, 0x7e], [0x00, 0x7c], [0x00, 0xfc], [0xff, 0x7b], [0x01, 0x00]],
  F32: [[0, 0, 0xc0, 0x7f], [0, 0, 0x80, 0x7f], [0, 0, 0x80, 0xff], [0xff, 0xff, 0x7f, 0x7f], [1, 0, 0, 0]],
  F64: [[0, 0, 0, 0, 0, 0, 0xf8, 0x7f], [0, 0, 0, 0, 0, 0, 0xf0, 0x7f], [0, 0, 0, 0, 0, 0, 0xf0, 0xff]],
};

/** Overwrites some elements of a payload with NaN/Inf/extreme patterns (or random bytes for integer/packed data). */
export function injectNonFinite(rng: Rng, bytes: Uint8Array, payload: { at: number; bytes: number; dtype: string }): string {
  const patterns = NONFINITE[payload.dtype.toUpperCase()];
  const width = patterns ? patterns[0]!.length : 1;
  const count = Math.floor(payload.bytes / width);
  if (count === 0) return 'nonfinite(empty)';
  const all = rng.chance(0.2);
  const n = all ? count : 1 + rng.int(Math.min(count, 16));
  for (let k = 0; k < n; k++) {
    const e = all ? k : rng.int(count);
    const at = payload.at + e * width;
    if (at + width > bytes.length) break;
    if (patterns) bytes.set(rng.pick(patterns), at);
    else bytes[at] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0xfc, 0x7c, 0x7e]);
  }
  return `nonfinite(${payload.dtype}, ${all ? 'all' : n})`;
}

export function truncate(bytes: Uint8Array, at: number): Uint8Array {
  return bytes.slice(0, Math.max(0, Math.min(at, bytes.length)));
}

export function flipBytes(rng: Rng, bytes: Uint8Array, region?: { at: number; bytes: number }): number {
  if (bytes.length === 0) return 0;
  const start = region ? region.at : 0;
  const span = region ? Math.max(1, Math.min(region.bytes, bytes.length - start)) : bytes.length;
  const n = 1 + rng.int(8);
  for (let k = 0; k < n; k++) {
    const at = start + rng.int(span);
    if (at >= bytes.length) continue;
    bytes[at] = rng.chance(0.5) ? bytes[at]! ^ (1 << rng.int(8)) : rng.int(256);
  }
  return n;
}

/** Inserts or deletes a run of bytes (shifts everything after it: offsets go stale). */
export function splice(rng: Rng, bytes: Uint8Array): { out: Uint8Array; what: string } {
  const at = rng.int(bytes.length + 1);
  if (rng.chance(0.5) && bytes.length > 0) {
    const len = 1 + rng.int(Math.min(64, bytes.length - Math.min(at, bytes.length - 1)));
    const out = new Uint8Array(bytes.length - Math.min(len, bytes.length - at));
    out.set(bytes.subarray(0, at));
    out.set(bytes.subarray(at + len), at);
    return { out, what: `delete ${len}@${at}` };
  }
  const len = 1 + rng.int(64);
  const out = new Uint8Array(bytes.length + len);
  out.set(bytes.subarray(0, at));
  for (let k = 0; k < len; k++) out[at + k] = rng.int(256);
  out.set(bytes.subarray(at), at + len);
  return { out, what: `insert ${len}@${at}` };
}

// ---------------------------------------------------------------- JSON mutators

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in a JSON document (bounded, for picking a target). */
function paths(v: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = [], limit = 4000): Array<Array<string | number>> {
  if (out.length >= limit) return out;
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out, limit));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out, limit);
  return out;
}

function getAt(v: Json, path: Array<string | number>): Json | undefined {
  let cur: Json | undefined = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, Json>)[p as string];
  }
  return cur;
}

function setAt(v: Json, path: Array<string | number>, value: Json): Json {
  if (path.length === 0) return value;
  const parent = getAt(v, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') (parent as Record<string, Json>)[path[path.length - 1] as string] = value;
  return v;
}

const HOSTILE_NUMBERS: Json[] = [0, -1, 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, -1e308, 0.5, -0.0, 1e-320];

function hostileValue(rng: Rng, old: Json | undefined): Json {
  switch (rng.int(9)) {
    case 0: return rng.pick(HOSTILE_NUMBERS);
    case 1: return typeof old === 'number' ? old + rng.pick([1, -1, 2, 4096, -4096]) : rng.pick(HOSTILE_NUMBERS);
    case 2: return null;
    case 3: return rng.pick(['', 'BF16', 'F32', 'U8', 'I2_S', 'float16', 'uint8', 'string', '../../etc/passwd', '/etc/passwd', 'x'.repeat(1 + rng.int(300))]);
    case 4: return [];
    case 5: return {};
    case 6: return rng.pick([true, false]);
    case 7: return Array.isArray(old) ? [...old, ...old] : [rng.pick(HOSTILE_NUMBERS), rng.pick(HOSTILE_NUMBERS)];
    default: return Array.isArray(old) && old.length > 0 ? old.slice(0, old.length - 1) : [rng.pick(HOSTILE_NUMBERS)];
  }
}

/** Nested arrays/objects `depth` deep, as text (building it as a value would itself recurse). */
export function deepJsonText(depth: number, object: boolean): string {
  return object ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + '1' + ']'.repeat(depth);
}

export interface JsonMutation {
  text: string;
  what: string;
}

/**
 * One structural mutation of a JSON document, returned as text (some
 * mutations — duplicate keys, deep nesting, bad escapes — only exist as text).
 */
export function mutateJson(rng: Rng, text: string): JsonMutation {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return { text: text + '}', what: 'json(unparseable seed: append)' };
  }
  const all = paths(doc);
  const target = rng.pick(all);
  const kind = rng.int(12);
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      const old = getAt(doc, target);
      doc = setAt(doc, target, hostileValue(rng, old));
      return { text: JSON.stringify(doc), what: `json(set ${target.join('.')})` };
    }
    case 3: {
      // Duplicate a top-level or nested key by text: "k":v,"k":v.
      const objs = all.filter((p) => { const v = getAt(doc, p); return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0; });
      if (objs.length === 0) break;
      const p = rng.pick(objs);
      const obj = getAt(doc, p) as Record<string, Json>;
      const key = rng.pick(Object.keys(obj));
      const dup = `${JSON.stringify(key)}:${JSON.stringify(obj[key])}`;
      const marker = '\u0000DUP\u0000';
      obj[marker] = 0;
      const t = JSON.stringify(doc).replace(`${JSON.stringify(marker)}:0`, dup);
      return { text: t, what: `json(duplicate key ${key})` };
    }
    case 4: {
      const depth = rng.pick([64, 1000, 10_000, 100_000, 1_000_000]);
      const deep = deepJsonText(depth, rng.chance(0.5));
      const placeholder = '"\u0000DEEP\u0000"';
      // Half the time aim near the root (metadata, config sections) where readers keep values whole.
      const shallow = all.filter((p) => p.length > 0 && p.length <= 2);
      const at = rng.chance(0.5) && shallow.length > 0 ? rng.pick(shallow) : target.length > 0 ? target : ['__deep__'];
      doc = setAt(doc, at, '\u0000DEEP\u0000');
      return { text: JSON.stringify(doc).replace(placeholder, deep), what: `json(nest ${depth} at ${at.join('.')})` };
    }
    case 5: {
      // Enormous: many entries or one very long string.
      const obj = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc : {};
      if (rng.chance(0.5)) {
        const n = rng.pick([10_000, 100_000]);
        const extra: string[] = [];
        for (let i = 0; i < n; i++) extra.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
        const base = JSON.stringify(obj);
        return { text: base.length > 2 ? `${base.slice(0, -1)},${extra.join(',')}}` : `{${extra.join(',')}}`, what: `json(${n} extra entries)` };
      }
      const len = rng.pick([1 << 16, 1 << 20, 4 << 20]);
      (obj as Record<string, Json>)['__huge__'] = 'x'.repeat(len);
      return { text: JSON.stringify(obj), what: `json(${len}-char string)` };
    }
    case 6: {
      // Rename a key to something odd: empty, very long, control chars, lone surrogate escape.
      const objs = all.filter((p) => { const v = getAt(doc, p); return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0; });
      if (objs.length === 0) break;
      const obj = getAt(doc, rng.pick(objs)) as Record<string, Json>;
      const key = rng.pick(Object.keys(obj));
      const value = obj[key]!;
      delete obj[key];
      const newKey = rng.pick(['', 'a'.repeat(70_000), '\u0000', '\n', 'x\u202ey', '__metadata__', 'weight_map', key + '_scale', key.toUpperCase()]);
      obj[newKey] = value;
      return { text: JSON.stringify(doc), what: `json(rename key ${key})` };
    }
    case 7: {
      // Lone surrogate escapes survive JSON.parse and break UTF-8 re-encoding.
      const t = JSON.stringify(doc);
      const i = t.indexOf('"', rng.int(Math.max(1, t.length)));
      if (i < 0) break;
      return { text: `${t.slice(0, i + 1)}\\ud800${t.slice(i + 1)}`, what: 'json(lone surrogate)' };
    }
    case 8: {
      // Number spellings JSON allows but JS turns into Infinity or -0.
      const t = JSON.stringify(doc).replace(/(\d+)/, rng.pick(['1e400', '-1e400', '-0', '1.0e2', '0.0000001e-999']));
      return { text: t, what: 'json(number spelling)' };
    }
    case 9: {
      const t = JSON.stringify(doc);
      return { text: t.slice(0, rng.int(t.length)), what: 'json(cut)' };
    }
    case 10: {
      // Wrong root type.
      return { text: rng.pick(['[]', 'null', '1', '"x"', '[' + JSON.stringify(doc) + ']', '{}']), what: 'json(root type)' };
    }
    default:
      break;
  }
  // Remove the target value.
  if (target.length > 0) {
    const parent = getAt(doc, target.slice(0, -1));
    const last = target[target.length - 1]!;
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else if (parent !== null && typeof parent === 'object') delete (parent as Record<string, Json>)[last as string];
  }
  return { text: JSON.stringify(doc), what: `json(remove ${target.join('.')})` };
}

const utf8 = new TextEncoder();

/** Bytes of a JSON text with a few characters replaced by invalid UTF-8 (lone continuation, overlong, truncated sequence). */
export function invalidUtf8(rng: Rng, text: string): Uint8Array {
  const bytes = utf8.encode(text);
  const quotes: number[] = [];
  for (let i = 0; i < bytes.length && quotes.length < 4096; i++) if (bytes[i] === 0x22) quotes.push(i);
  const at = quotes.length > 0 ? rng.pick(quotes) + 1 : rng.int(bytes.length + 1);
  const bad = rng.pick([[0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xff], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
  const out = new Uint8Array(bytes.length + bad.length);
  out.set(bytes.subarray(0, at));
  out.set(bad, at);
  out.set(bytes.subarray(at), at + bad.length);
  return out;
}

export function encodeUtf8(text: string): Uint8Array {
  return utf8.encode(text);
}
