/**
 * A tfjs model (model.json + binary weight shards) as a CheckpointSource.
 * Shards are resolved inside the model's own folder only; a group's weights
 * are laid out back to back across its shards, so every tensor is a byte
 * range of that virtual concatenation, validated against the real shard sizes
 * before anything is decoded. String tensors are sized by walking their
 * length prefixes (bounded reads), so the offsets after them are right.
 */
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { BitnetLabError, throwIfAborted } from '../../errors.js';
import type { CheckpointSource, TensorEntry, ValueReadOptions } from '../types.js';
import { decodeToFloat32, f16ToF32 } from '../dtypes.js';
import { readExactly } from '../safetensors/header.js';
import { parseManifest, type TfjsWeightSpec } from './manifest.js';

const MAX_MODEL_JSON = 256 * 1024 * 1024;
const DEFAULT_CHUNK = 1 << 20;
const STRING_WINDOW = 64 * 1024;

interface Shard {
  path: string;
  size: number;
  /** Offset of this shard in its group's concatenation. */
  start: number;
}

interface Located {
  spec: TfjsWeightSpec;
  group: Shard[];
  /** Offset in the group's concatenation. */
  start: number;
  bytes: number;
  entry: TensorEntry;
}

function storedDtype(spec: TfjsWeightSpec): { dtype: string; size: number | undefined } {
  // Affine-quantized float weights get names of their own: they are weights,
  // not integer data, and must not look like U8 ids to the tensor selector.
  if (spec.quantization?.dtype === 'uint8') return { dtype: 'Q8_AFFINE', size: 1 };
  if (spec.quantization?.dtype === 'uint16') return { dtype: 'Q16_AFFINE', size: 2 };
  if (spec.quantization?.dtype === 'float16') return { dtype: 'F16', size: 2 };
  switch (spec.dtype) {
    case 'float32': return { dtype: 'F32', size: 4 };
    case 'int32': return { dtype: 'I32', size: 4 };
    case 'bool': return { dtype: 'BOOL', size: 1 };
    case 'complex64': return { dtype: 'C64', size: 8 };
    default: return { dtype: 'STRING', size: undefined };
  }
}

function safeShardPath(dir: string, rel: string, file: string): string {
  const parts = rel.split(/[\\/]/);
  if (isAbsolute(rel) || parts.includes('..') || /^[a-zA-Z]:/.test(rel)) {
    throw new BitnetLabError('header', `shard path "${rel}" leaves the model folder`, { file });
  }
  const p = resolve(dir, rel);
  if (!p.startsWith(dir + sep)) throw new BitnetLabError('header', `shard path "${rel}" leaves the model folder`, { file });
  return p;
}

class GroupReader {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  handle(path: string): Promise<FileHandle> {
    let h = this.handles.get(path);
    if (!h) {
      h = open(path, 'r').catch((e: unknown) => {
        throw new BitnetLabError('io', `cannot open: ${e instanceof Error ? e.message : String(e)}`, { file: path });
      });
      this.handles.set(path, h);
    }
    return h;
  }

  /** Bytes [at, at + length) of a group's concatenated shards. */
  async read(group: Shard[], at: number, length: number, what: string): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    for (const s of group) {
      if (done === length) break;
      const from = at + done;
      if (from >= s.start + s.size || from < s.start) continue;
      const take = Math.min(length - done, s.start + s.size - from);
      await readExactly(await this.handle(s.path), s.path, out.subarray(done, done + take), from - s.start, what);
      done += take;
    }
    if (done !== length) throw new BitnetLabError('truncated', `shards end while reading ${what}`, { file: group[0]?.path });
    return out;
  }

  async close(): Promise<void> {
    for (const h of this.handles.values()) await h.then((x) => x.close()).catch(() => undefined);
    this.handles.clear();
  }
}

export async function openTfjsModel(modelJsonPath: string): Promise<CheckpointSource> {
  const file = resolve(modelJsonPath);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new BitnetLabError('io', `cannot open: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
  if (size > MAX_MODEL_JSON) throw new BitnetLabError('limit', `model.json is ${size} bytes`, { file });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new BitnetLabError('header', `model.json is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
  const manifest = parseManifest(json, file);
  const dir = dirname(file);
  const reader = new GroupReader();
  const located: Located[] = [];
  const seen = new Set<string>();
  try {
    for (const g of manifest.groups) {
      const shards: Shard[] = [];
      let total = 0;
      for (const rel of g.paths) {
        const p = safeShardPath(dir, rel, file);
        let s: number;
        try {
          s = (await stat(p)).size;
        } catch {
          throw new BitnetLabError('shard', `weight shard "${rel}" is missing`, { file });
        }
        shards.push({ path: p, size: s, start: total });
        total += s;
      }
      let at = 0;
      for (const spec of g.weights) {
        // Readers look tensors up by name: a second weight of the same name would silently read the first's bytes.
        if (seen.has(spec.name)) throw new BitnetLabError('header', 'duplicate weight name in weightsManifest', { file, tensor: spec.name });
        seen.add(spec.name);
        const n = spec.shape.reduce((a, b) => a * b, 1);
        const { dtype, size: elemSize } = storedDtype(spec);
        let bytes: number;
        if (elemSize !== undefined) {
          bytes = n * elemSize;
        } else {
          // Strings: walk the u32 length prefixes through a 64 KiB window, so a
          // tensor of millions of short strings costs a few reads, not one each.
          bytes = 0;
          let winStart = 0;
          let win: Uint8Array = new Uint8Array(0);
          for (let i = 0; i < n; i++) {
            const pos = at + bytes;
            if (pos + 4 > total) break;
            if (pos < winStart || pos + 4 > winStart + win.length) {
              winStart = pos;
              win = await reader.read(shards, pos, Math.min(STRING_WINDOW, total - pos), `string lengths of "${spec.name}"`);
            }
            bytes += 4 + new DataView(win.buffer, win.byteOffset + (pos - winStart), 4).getUint32(0, true);
          }
        }
        if (at + bytes > total) {
          throw new BitnetLabError('truncated', `weights need bytes up to ${at + bytes} of the group but its shards hold ${total}`, { file: shards[0]?.path ?? file, tensor: spec.name });
        }
        const firstShard = shards.find((s) => at >= s.start && at < s.start + s.size) ?? shards[shards.length - 1];
        const entry: TensorEntry = {
          name: spec.name,
          dtype,
          shape: spec.shape.slice(),
          storedShape: spec.shape.slice(),
          params: n,
          bytes,
          file: firstShard?.path ?? file,
          offset: firstShard ? at - firstShard.start : 0,
        };
        if (spec.quantization?.min !== undefined) {
          entry.notes = [`tfjs ${spec.quantization.dtype} affine quantization: value = q·${spec.quantization.scale} + ${spec.quantization.min}`];
        } else if (dtype === 'STRING') {
          entry.notes = ['string tensor (not numeric)'];
        }
        located.push({ spec, group: shards, start: at, bytes, entry });
        at += bytes;
      }
    }
  } catch (e) {
    await reader.close();
    throw e;
  }
  const metadata: Record<string, string> = {};
  if (manifest.format) metadata['tfjs.format'] = manifest.format;
  if (manifest.generatedBy) metadata['tfjs.generatedBy'] = manifest.generatedBy;
  return new TfjsSource(file, located, metadata, reader);
}

class TfjsSource implements CheckpointSource {
  readonly format = 'tfjs' as const;
  readonly tensors: readonly TensorEntry[];
  private readonly byName = new Map<string, Located>();

  constructor(readonly path: string, located: Located[], readonly metadata: Readonly<Record<string, string>>, private readonly reader: GroupReader) {
    this.tensors = located.map((l) => l.entry);
    for (const l of located) this.byName.set(l.spec.name, l);
  }

  private get(name: string): Located {
    const l = this.byName.get(name);
    if (!l) throw new BitnetLabError('usage', 'no such tensor', { file: this.path, tensor: name });
    return l;
  }

  async *values(name: string, options: ValueReadOptions = {}): AsyncIterable<Float32Array> {
    const l = this.get(name);
    const place = { file: l.entry.file, tensor: name, offset: l.entry.offset };
    const { dtype } = l.entry;
    if (dtype === 'STRING' || dtype === 'C64') throw new BitnetLabError('unsupported', `${l.spec.dtype} tensors have no numeric values`, place);
    const elemSize = l.bytes / Math.max(1, l.entry.params);
    const chunk = Math.max(1, options.chunkElements ?? DEFAULT_CHUNK);
    const out = new Float32Array(Math.min(chunk, l.entry.params));
    const q = l.spec.quantization;
    const isInt = l.spec.dtype === 'int32';
    for (let i = 0; i < l.entry.params; i += chunk) {
      throwIfAborted(options.signal, place);
      const n = Math.min(chunk, l.entry.params - i);
      const src = await this.reader.read(l.group, l.start + i * elemSize, n * elemSize, `data of "${name}"`);
      const dst = out.subarray(0, n);
      if (dtype === 'Q8_AFFINE' || dtype === 'Q16_AFFINE') {
        const v = new DataView(src.buffer);
        for (let k = 0; k < n; k++) {
          const raw = dtype === 'Q8_AFFINE' ? src[k]! : v.getUint16(2 * k, true);
          const x = raw * q!.scale! + q!.min!;
          dst[k] = isInt ? Math.round(x) : x; // tfjs rounds int32 originals
        }
      } else if (dtype === 'F16') {
        const v = new DataView(src.buffer);
        for (let k = 0; k < n; k++) dst[k] = f16ToF32(v.getUint16(2 * k, true));
      } else {
        decodeToFloat32(dtype === 'BOOL' ? 'BOOL' : dtype, src, 0, n, dst, 0);
      }
      yield dst;
    }
  }

  async *rawBytes(name: string, options: ValueReadOptions & { chunkBytes?: number } = {}): AsyncIterable<Uint8Array> {
    const l = this.get(name);
    const chunk = Math.max(1, options.chunkBytes ?? 4 << 20);
    for (let at = 0; at < l.bytes; at += chunk) {
      throwIfAborted(options.signal, { file: l.entry.file, tensor: name });
      yield await this.reader.read(l.group, l.start + at, Math.min(chunk, l.bytes - at), `data of "${name}"`);
    }
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}
