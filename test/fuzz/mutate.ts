/**
 * One fuzz case = one seed checkpoint with 1–3 mutations applied to one of its
 * files. `makeCase` is pure in (seeds, run seed, format, index): the pool uses
 * it to rebuild a case whose worker had to be killed.
 */
import {
  encodeUtf8,
  flipBytes,
  hash32,
  hostileInts,
  injectNonFinite,
  invalidUtf8,
  mutateJson,
  readUint,
  Rng,
  splice,
  truncate,
  writeUint,
  type FileStructure,
} from './harness.js';
import type { FuzzFormat, Seed, SeedSet } from './seeds.js';

export interface FuzzCase {
  format: FuzzFormat;
  index: number;
  seedLabel: string;
  entry: string;
  files: Array<{ name: string; bytes: Uint8Array }>;
  /** Human-readable list of what was done, for reports. */
  mutations: string[];
}

const decoder = new TextDecoder();

/** Replaces a safetensors header with new JSON bytes; usually fixes N so the parser gets past the length check. */
function withHeader(bytes: Uint8Array, s: FileStructure, json: Uint8Array, rng: Rng): Uint8Array {
  const old = s.json!;
  const data = bytes.subarray(Math.min(bytes.length, old.at + old.bytes));
  const out = new Uint8Array(8 + json.length + data.length);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  const n = rng.chance(0.9) ? BigInt(json.length) : hostileInts(rng, BigInt(json.length), 8);
  writeUint(out, 0, 8, n);
  return out;
}

function mutateOnce(rng: Rng, bytes: Uint8Array, s: FileStructure, name: string): { bytes: Uint8Array; what: string } {
  const kinds: string[] = ['truncate-boundary', 'truncate-random', 'flip', 'splice'];
  if (s.fields.length > 0) kinds.push('field', 'field', 'field');
  if (s.payloads.length > 0) kinds.push('nonfinite', 'nonfinite');
  if (s.json) kinds.push('header-json', 'header-json', 'header-json', 'header-utf8', 'header-flip', 'offset-alias');
  if (s.wholeJson) kinds.push('json', 'json', 'json', 'json', 'json-utf8');
  if (name.endsWith('.gguf')) kinds.push('gguf-offset', 'gguf-type');
  if (s.names && s.names.length > 1) kinds.push('duplicate-name');
  const kind = rng.pick(kinds);
  switch (kind) {
    case 'truncate-boundary': {
      const b = rng.pick(s.boundaries) + rng.pick([0, 0, 0, -1, 1]);
      return { bytes: truncate(bytes, b), what: `${name}: truncate at boundary ${b}` };
    }
    case 'truncate-random': {
      const at = rng.int(bytes.length);
      return { bytes: truncate(bytes, at), what: `${name}: truncate at ${at}` };
    }
    case 'flip': {
      const out = bytes.slice();
      const n = flipBytes(rng, out);
      return { bytes: out, what: `${name}: ${n} random byte flips` };
    }
    case 'splice': {
      const { out, what } = splice(rng, bytes);
      return { bytes: out, what: `${name}: ${what}` };
    }
    case 'field': {
      const f = rng.pick(s.fields);
      const out = bytes.slice();
      const v = hostileInts(rng, readUint(out, f.at, f.size), f.size);
      writeUint(out, f.at, f.size, v);
      return { bytes: out, what: `${name}: ${f.what}@${f.at} := ${v}` };
    }
    case 'nonfinite': {
      const out = bytes.slice();
      const p = rng.pick(s.payloads);
      return { bytes: out, what: `${name}: ${injectNonFinite(rng, out, p)}@${p.at}` };
    }
    case 'header-json': {
      const text = decoder.decode(bytes.subarray(s.json!.at, s.json!.at + s.json!.bytes));
      const m = mutateJson(rng, text);
      return { bytes: withHeader(bytes, s, encodeUtf8(m.text), rng), what: `${name}: header ${m.what}` };
    }
    case 'header-utf8': {
      const text = decoder.decode(bytes.subarray(s.json!.at, s.json!.at + s.json!.bytes));
      return { bytes: withHeader(bytes, s, invalidUtf8(rng, text), rng), what: `${name}: invalid UTF-8 in header` };
    }
    case 'header-flip': {
      const out = bytes.slice();
      const n = flipBytes(rng, out, s.json);
      return { bytes: out, what: `${name}: ${n} byte flips in header` };
    }
    case 'offset-alias': {
      // Point one tensor's data at another's (or at 0, the first bytes after the header) keeping its length.
      const text = decoder.decode(bytes.subarray(s.json!.at, s.json!.at + s.json!.bytes));
      const doc = JSON.parse(text) as Record<string, { data_offsets?: [number, number] }>;
      const names = Object.keys(doc).filter((k) => k !== '__metadata__');
      if (names.length === 0) return { bytes, what: `${name}: offset-alias (no tensors)` };
      const t = doc[rng.pick(names)]!;
      if (!t.data_offsets) return { bytes, what: `${name}: offset-alias (no offsets)` };
      const len = t.data_offsets[1] - t.data_offsets[0];
      const other = doc[rng.pick(names)]!.data_offsets?.[0] ?? 0;
      const begin = rng.pick([0, other, -8 - s.json!.bytes, 2 ** 53, bytes.length]);
      t.data_offsets = [begin, begin + len];
      return { bytes: withHeader(bytes, s, encodeUtf8(JSON.stringify(doc)), rng), what: `${name}: data_offsets := [${begin}, +${len}]` };
    }
    case 'duplicate-name': {
      // Copy one stored name over another of the same length (same layout, two tensors of one name).
      const names = s.names!;
      const a = rng.pick(names);
      const same = names.filter((n) => n !== a && n.bytes === a.bytes);
      if (same.length === 0) return { bytes, what: `${name}: duplicate-name (no same-length pair)` };
      const b = rng.pick(same);
      const out = bytes.slice();
      if (a.at + a.bytes <= out.length && b.at + b.bytes <= out.length) out.copyWithin(b.at, a.at, a.at + a.bytes);
      return { bytes: out, what: `${name}: name@${b.at} := name@${a.at}` };
    }
    case 'json': {
      const m = mutateJson(rng, decoder.decode(bytes));
      return { bytes: encodeUtf8(m.text), what: `${name}: ${m.what}` };
    }
    case 'json-utf8':
      return { bytes: invalidUtf8(rng, decoder.decode(bytes)), what: `${name}: invalid UTF-8` };
    case 'gguf-offset': {
      const offs = s.fields.filter((f) => f.what === 'tensor offset');
      if (offs.length === 0) return { bytes, what: `${name}: gguf-offset (none)` };
      const f = rng.pick(offs);
      const out = bytes.slice();
      const other = rng.pick(offs);
      const v = rng.pick([0n, readUint(out, other.at, 8), 32n, BigInt(bytes.length), 0xffffffffffffffe0n]);
      writeUint(out, f.at, 8, v);
      return { bytes: out, what: `${name}: tensor offset@${f.at} := ${v}` };
    }
    default: {
      // gguf-type: another ggml type id, including the fork's 36–39 and unknown ids.
      const types = s.fields.filter((f) => f.what === 'tensor type' || f.what === 'kv type' || f.what.endsWith('array type'));
      if (types.length === 0) return { bytes, what: `${name}: gguf-type (none)` };
      const f = rng.pick(types);
      const out = bytes.slice();
      const v = BigInt(rng.pick([0, 1, 2, 8, 9, 12, 13, 24, 27, 28, 30, 31, 34, 35, 36, 37, 38, 39, 40, 255, 0xffffffff]));
      writeUint(out, f.at, 4, v);
      return { bytes: out, what: `${name}: ${f.what}@${f.at} := ${v}` };
    }
  }
}

export function makeCase(seeds: SeedSet, runSeed: string, format: FuzzFormat, index: number): FuzzCase {
  const rng = new Rng(hash32(`${runSeed}:${format}:${index}`));
  const seed: Seed = rng.pick(seeds[format]);
  const files = seed.files.map((f) => ({ name: f.name, bytes: f.bytes, structure: f.structure as FileStructure | undefined }));
  const mutations: string[] = [];
  // Mostly hit the file the reader parses first (entry), sometimes a shard/config.
  const target = rng.chance(0.6) ? files.findIndex((f) => f.name === seed.entry) : rng.int(files.length);
  const count = rng.chance(0.7) ? 1 : 2 + rng.int(2);
  for (let k = 0; k < count; k++) {
    const f = files[k === 0 || rng.chance(0.7) ? target : rng.int(files.length)]!;
    const s = f.structure ?? { boundaries: [0, f.bytes.length], fields: [], payloads: [] };
    const r = mutateOnce(rng, f.bytes, s, f.name);
    f.bytes = r.bytes;
    mutations.push(r.what);
    // The map is stale now: later mutations of this file stay byte-level (every mutator is bounds-checked).
    f.structure = { boundaries: s.boundaries, fields: s.fields, payloads: s.payloads, ...(s.names ? { names: s.names } : {}) };
  }
  // Rarely, drop a whole file (a missing shard or config).
  if (files.length > 1 && rng.chance(0.03)) {
    const i = rng.int(files.length);
    mutations.push(`delete file ${files[i]!.name}`);
    files.splice(i, 1);
  }
  return { format, index, seedLabel: seed.label, entry: seed.entry, files: files.map((f) => ({ name: f.name, bytes: f.bytes })), mutations };
}
