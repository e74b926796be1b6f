/**
 * HF BitNet packed checkpoints (transformers quant_method "bitnet";
 * bitnet-reference.md §4a, §5) as a CheckpointSource over any safetensors
 * source. Each packed U8 weight [out/4, in] is presented with its logical
 * shape [out, in] and parameter count out·in, and decoded on the fly: slab by
 * slab, packed rows are range-read, unpacked (code − 1) and scaled by its
 * weight_scale per the config's linear_class convention.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { BitnetLabError, throwIfAborted } from '../../errors.js';
import type { CheckpointSource, TensorEntry, ValueReadOptions } from '../types.js';
import { stringifyFromFile } from '../jsonText.js';
import { readExactly } from '../safetensors/header.js';
import { unpackHfSlabRows } from '../ternary/hfBitnetPack.js';
import { parseHfBitnetConfig, projectionOf, readConfigJson, type HfBitnetConfig } from './hfConfig.js';

const DEFAULT_CHUNK = 1 << 20;

interface PackedInfo {
  scaleName: string | undefined;
  packedRows: number;
  cols: number;
  /** Why values() must refuse, if it must. */
  problem?: string;
}

export function scaleNameFor(weightName: string): string {
  return `${weightName}_scale`;
}

/** Reads <folder>/config.json next to a checkpoint, or undefined when there is none. */
export function readNeighbourConfig(checkpointPath: string): Promise<Record<string, unknown> | undefined> {
  return readConfigJson(join(dirname(checkpointPath), 'config.json'));
}

/** True when a safetensors checkpoint is HF BitNet packed: by its config, or by U8 weights with weight_scale siblings. */
export function looksLikeHfBitnet(source: CheckpointSource, config: Record<string, unknown> | undefined): boolean {
  if (parseHfBitnetConfig(config).quantMethod === 'bitnet') return true;
  const byName = new Map(source.tensors.map((t) => [t.name, t]));
  return source.tensors.some((t) => t.dtype === 'U8' && t.name.endsWith('.weight') && byName.has(scaleNameFor(t.name)));
}

export function openHfBitnet(inner: CheckpointSource, config: Record<string, unknown> | undefined): CheckpointSource {
  return new HfBitnetSource(inner, parseHfBitnetConfig(config));
}

/** Opens `source` as HF BitNet if it is one (config next to it, or packed tensors), else returns it unchanged. */
export async function maybeHfBitnet(source: CheckpointSource): Promise<CheckpointSource> {
  try {
    const config = await readNeighbourConfig(source.path);
    return looksLikeHfBitnet(source, config) ? openHfBitnet(source, config) : source;
  } catch (e) {
    // The caller never gets `source` back, so its open file handles are ours to close (found by fuzzing).
    await source.close().catch(() => undefined);
    throw e;
  }
}

class HfBitnetSource implements CheckpointSource {
  readonly format = 'hf-bitnet' as const;
  readonly tensors: readonly TensorEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  private readonly packed = new Map<string, PackedInfo>();
  private readonly entries = new Map<string, TensorEntry>();
  private readonly handles = new Map<string, Promise<FileHandle>>();

  constructor(private readonly inner: CheckpointSource, private readonly config: HfBitnetConfig) {
    const names = new Set(inner.tensors.map((t) => t.name));
    const bitnetByConfig = config.quantMethod === 'bitnet';
    const convention = config.convention === 'multiply'
      ? 'W = Q·weight_scale (linear_class "autobitlinear")'
      : `W = Q / weight_scale (linear_class ${config.linearClass ? `"${config.linearClass}"` : 'absent: transformers BitLinear default'})`;
    this.tensors = inner.tensors.map((t) => {
      const scaleName = names.has(scaleNameFor(t.name)) ? scaleNameFor(t.name) : undefined;
      const isPacked = t.dtype === 'U8' && t.shape.length === 2 && t.name.endsWith('.weight') && (scaleName !== undefined || bitnetByConfig);
      if (!isPacked) {
        this.entries.set(t.name, t);
        return t;
      }
      const [P, cols] = t.shape as [number, number];
      const info: PackedInfo = { scaleName, packedRows: P, cols };
      const notes: string[] = [`HF BitNet packed: 4 trits per byte along dim 0, stored [${P}, ${cols}] → logical [${4 * P}, ${cols}]`];
      if (scaleName === undefined) info.problem = `missing ${scaleNameFor(t.name)} (every packed weight needs its scale)`;
      const proj = projectionOf(t.name);
      const expected = proj !== undefined ? config.expectedRows.get(proj) : undefined;
      if (expected !== undefined && expected !== 4 * P) {
        info.problem = `packed rows ${P} × 4 = ${4 * P} do not match the ${expected} output rows config.json gives ${proj}`;
      }
      if (info.problem) notes.push(info.problem);
      this.packed.set(t.name, info);
      const entry: TensorEntry = {
        ...t,
        shape: [4 * P, cols],
        storedShape: t.storedShape.slice(),
        params: 4 * P * cols,
        ternary: { packing: 'hf-bitnet', scaleConvention: convention },
        notes: [...(t.notes ?? []), ...notes],
      };
      this.entries.set(t.name, entry);
      return entry;
    });
    const meta: Record<string, string> = { ...inner.metadata, 'hf_bitnet.scale_convention': convention };
    if (config.raw?.['quantization_config'] !== undefined) {
      meta['config.quantization_config'] = stringifyFromFile(config.raw['quantization_config'], 'config.json quantization_config', {
        file: join(dirname(inner.path), 'config.json'),
      });
    }
    this.metadata = meta;
  }

  get path(): string {
    return this.inner.path;
  }

  private handle(file: string): Promise<FileHandle> {
    let h = this.handles.get(file);
    if (!h) {
      h = open(file, 'r').catch((e: unknown) => {
        throw new BitnetLabError('io', `cannot open: ${e instanceof Error ? e.message : String(e)}`, { file });
      });
      this.handles.set(file, h);
    }
    return h;
  }

  private async scale(name: string, scaleName: string): Promise<number> {
    for await (const chunk of this.inner.values(scaleName)) {
      const s = chunk[0];
      if (s === undefined || !Number.isFinite(s) || s === 0) {
        throw new BitnetLabError('layout', `weight_scale ${s} is not a usable scale`, { file: this.inner.path, tensor: name });
      }
      return s;
    }
    throw new BitnetLabError('layout', `${scaleName} is empty`, { file: this.inner.path, tensor: name });
  }

  values(name: string, options: ValueReadOptions = {}): AsyncIterable<Float32Array> {
    const info = this.packed.get(name);
    if (!info) return this.inner.values(name, options);
    return this.unpacked(this.entries.get(name)!, info, options);
  }

  private async *unpacked(t: TensorEntry, info: PackedInfo, options: ValueReadOptions): AsyncIterable<Float32Array> {
    const place = { file: t.file, tensor: t.name, offset: t.offset };
    if (info.problem) throw new BitnetLabError('layout', info.problem, place);
    const s = await this.scale(t.name, info.scaleName!);
    const mult = this.config.convention === 'multiply';
    const plus = Math.fround(mult ? s : 1 / s);
    const { packedRows: P, cols } = info;
    const chunkElements = Math.max(1, options.chunkElements ?? DEFAULT_CHUNK);
    const handle = await this.handle(t.file);
    if (cols > chunkElements) {
      // Rows wider than a chunk: walk each row in column windows, so memory
      // follows chunkElements rather than the (file-declared) row width.
      yield* this.unpackedWide(t, handle, P, cols, chunkElements, plus, options);
      return;
    }
    const rowsPerRead = Math.max(1, Math.floor(chunkElements / cols));
    const codes = new Int8Array(rowsPerRead * cols);
    const out = new Float32Array(rowsPerRead * cols);
    const total = 4 * P;
    for (let row = 0; row < total; ) {
      throwIfAborted(options.signal, place);
      // Stay within one slab so one contiguous range of packed rows serves the chunk.
      const slabEnd = (Math.floor(row / P) + 1) * P;
      const k = Math.min(rowsPerRead, slabEnd - row);
      const packedStart = row % P;
      const bytes = new Uint8Array(k * cols);
      await readExactly(handle, t.file, bytes, t.offset + packedStart * cols, `packed rows of "${t.name}"`);
      const bad = unpackHfSlabRows(bytes, packedStart, P, cols, row, k, codes);
      if (bad >= 0) {
        throw new BitnetLabError('layout', 'byte holds the unused 2-bit code 3 (not a ternary weight; transformers would read +2)', {
          file: t.file,
          tensor: t.name,
          offset: t.offset + packedStart * cols + bad,
        });
      }
      const n = k * cols;
      for (let i = 0; i < n; i++) out[i] = codes[i]! * plus;
      for (let at = 0; at < n; at += chunkElements) yield out.subarray(at, Math.min(n, at + chunkElements));
      row += k;
    }
  }

  private async *unpackedWide(
    t: TensorEntry,
    handle: FileHandle,
    P: number,
    cols: number,
    width: number,
    plus: number,
    options: ValueReadOptions,
  ): AsyncIterable<Float32Array> {
    const place = { file: t.file, tensor: t.name, offset: t.offset };
    const codes = new Int8Array(width);
    const out = new Float32Array(width);
    for (let row = 0; row < 4 * P; row++) {
      const packedRow = row % P;
      for (let c0 = 0; c0 < cols; c0 += width) {
        throwIfAborted(options.signal, place);
        const w = Math.min(width, cols - c0);
        const at = t.offset + packedRow * cols + c0;
        const bytes = new Uint8Array(w);
        await readExactly(handle, t.file, bytes, at, `packed rows of "${t.name}"`);
        // The window is a one-row slab of width w: same unpacking rule, same slab shift.
        const bad = unpackHfSlabRows(bytes, packedRow, P, w, row, 1, codes);
        if (bad >= 0) {
          throw new BitnetLabError('layout', 'byte holds the unused 2-bit code 3 (not a ternary weight; transformers would read +2)', {
            file: t.file,
            tensor: t.name,
            offset: at + bad,
          });
        }
        for (let i = 0; i < w; i++) out[i] = codes[i]! * plus;
        yield out.subarray(0, w);
      }
    }
  }

  rawBytes(name: string, options?: ValueReadOptions & { chunkBytes?: number }): AsyncIterable<Uint8Array> {
    return this.inner.rawBytes(name, options);
  }

  async close(): Promise<void> {
    for (const h of this.handles.values()) await h.then((x) => x.close()).catch(() => undefined);
    this.handles.clear();
    await this.inner.close();
  }
}
