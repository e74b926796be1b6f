/**
 * Sharded checkpoints: model.safetensors.index.json maps every tensor name to
 * the shard file holding it (transformers' SAFE_WEIGHTS_INDEX_NAME;
 * bitnet-reference.md §4d). Each shard is opened header-only and the index is
 * checked against what the shards really contain, so a stale or hand-edited
 * index fails at open with the index and shard named, not mid-analysis.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { BitnetLabError, isBitnetLabError } from '../../errors.js';
import { stringifyFromFile } from '../jsonText.js';
import type { CheckpointSource, TensorEntry, ValueReadOptions } from '../types.js';
import { openSafetensors, type SafetensorsFile, type SafetensorsOpenOptions } from './reader.js';

/** Indexes are small (one line per tensor); refuse anything absurd before reading it. */
const MAX_INDEX_BYTES = 100_000_000;

export interface ShardedIndex {
  metadata: Record<string, string>;
  /** Tensor name → shard file name as written in the index. */
  weightMap: Map<string, string>;
  /** Shard names in order of first appearance. */
  shards: string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function readShardIndex(indexPath: string): Promise<ShardedIndex> {
  let size: number;
  try {
    size = (await stat(indexPath)).size;
  } catch (e) {
    throw new BitnetLabError('io', `cannot open: ${e instanceof Error ? e.message : String(e)}`, { file: indexPath });
  }
  if (size > MAX_INDEX_BYTES) throw new BitnetLabError('limit', `index is ${size} bytes, over the ${MAX_INDEX_BYTES}-byte limit`, { file: indexPath });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (e) {
    if (isBitnetLabError(e)) throw e;
    throw new BitnetLabError('header', `index is not valid JSON (${e instanceof Error ? e.message : String(e)})`, { file: indexPath });
  }
  if (!isPlainObject(parsed) || !isPlainObject(parsed['weight_map'])) {
    throw new BitnetLabError('shard', 'index has no "weight_map" object', { file: indexPath });
  }
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [name, shard] of Object.entries(parsed['weight_map'])) {
    if (typeof shard !== 'string' || shard.length === 0) {
      throw new BitnetLabError('shard', 'weight_map value is not a file name', { file: indexPath, tensor: name });
    }
    // Shards live next to the index; an absolute path or ".." would let an index reach anywhere.
    const norm = normalize(shard);
    if (isAbsolute(shard) || norm === '..' || norm.startsWith(`..${sep}`) || norm.startsWith('../')) {
      throw new BitnetLabError('shard', `shard "${shard}" is outside the index's folder`, { file: indexPath, tensor: name });
    }
    weightMap.set(name, shard);
    if (!shards.includes(shard)) shards.push(shard);
  }
  const metadata: Record<string, string> = {};
  const meta = parsed['metadata'];
  if (isPlainObject(meta)) {
    for (const [k, v] of Object.entries(meta)) metadata[k] = typeof v === 'string' ? v : stringifyFromFile(v, `index metadata "${k}"`, { file: indexPath });
  }
  return { metadata, weightMap, shards };
}

export class ShardedSafetensors implements CheckpointSource {
  readonly format = 'safetensors-sharded' as const;
  readonly tensors: readonly TensorEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  private readonly owner = new Map<string, SafetensorsFile>();

  constructor(
    readonly path: string,
    readonly index: ShardedIndex,
    readonly shards: readonly SafetensorsFile[],
  ) {
    const tensors: TensorEntry[] = [];
    for (const shard of shards) {
      for (const t of shard.tensors) {
        tensors.push(t);
        this.owner.set(t.name, shard);
      }
    }
    this.tensors = tensors;
    // Shard __metadata__ first (usually {"format":"pt"}), then the index's own (total_size).
    const merged: Record<string, string> = {};
    for (const shard of shards) Object.assign(merged, shard.metadata);
    Object.assign(merged, index.metadata);
    this.metadata = Object.freeze(merged);
  }

  private shardOf(name: string): SafetensorsFile {
    const s = this.owner.get(name);
    if (s === undefined) throw new BitnetLabError('usage', 'no such tensor in this checkpoint', { file: this.path, tensor: name });
    return s;
  }

  values(name: string, options?: ValueReadOptions): AsyncIterable<Float32Array> {
    return this.shardOf(name).values(name, options);
  }

  rawBytes(name: string, options?: ValueReadOptions & { chunkBytes?: number }): AsyncIterable<Uint8Array> {
    return this.shardOf(name).rawBytes(name, options);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}

export async function openShardedSafetensors(indexPath: string, options: SafetensorsOpenOptions = {}): Promise<ShardedSafetensors> {
  const index = await readShardIndex(indexPath);
  const dir = dirname(indexPath);
  const opened: SafetensorsFile[] = [];
  try {
    for (const shardName of index.shards) {
      const shardPath = join(dir, shardName);
      try {
        await stat(shardPath);
      } catch {
        throw new BitnetLabError('shard', `shard "${shardName}" named by the index does not exist`, { file: indexPath });
      }
      opened.push(await openSafetensors(shardPath, options));
    }
    checkAgainstIndex(indexPath, index, opened);
    return new ShardedSafetensors(indexPath, index, opened);
  } catch (e) {
    await Promise.all(opened.map((s) => s.close()));
    throw e;
  }
}

function checkAgainstIndex(indexPath: string, index: ShardedIndex, shards: SafetensorsFile[]): void {
  // First: is any tensor stored twice? That is the root cause whatever the index says.
  const seenIn = new Map<string, string>();
  for (let i = 0; i < shards.length; i++) {
    const shardName = index.shards[i]!;
    for (const t of shards[i]!.tensors) {
      const other = seenIn.get(t.name);
      if (other !== undefined) {
        throw new BitnetLabError('shard', `tensor is stored in both "${other}" and "${shardName}"`, { file: indexPath, tensor: t.name });
      }
      seenIn.set(t.name, shardName);
    }
  }
  // Then: does the index agree with where each tensor really is?
  for (const [name, shardName] of seenIn) {
    const listed = index.weightMap.get(name);
    if (listed === undefined) {
      throw new BitnetLabError('shard', `shard "${shardName}" holds a tensor the index's weight_map does not list`, { file: indexPath, tensor: name });
    }
    if (listed !== shardName) {
      throw new BitnetLabError('shard', `index says shard "${listed}" but the tensor is in "${shardName}"`, { file: indexPath, tensor: name });
    }
  }
  for (const [name, shardName] of index.weightMap) {
    if (!seenIn.has(name)) {
      throw new BitnetLabError('shard', `tensor listed in the index is missing from shard "${shardName}"`, { file: indexPath, tensor: name });
    }
  }
}
