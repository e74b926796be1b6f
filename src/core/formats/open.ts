/**
 * Open any checkpoint the user points at, by what the path is:
 *   *.gguf                         → GGUF
 *   *.index.json                   → sharded safetensors
 *   model.json (tfjs manifest)     → tfjs layers/graph model
 *   *.safetensors                  → safetensors, presented as HF BitNet packed
 *                                    when its config.json or its tensors say so
 *   a folder                       → the first of: model.safetensors.index.json,
 *                                    model.safetensors, a single *.safetensors,
 *                                    a single *.gguf, model.json
 * Content is validated by each reader; this only routes.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BitnetLabError } from '../errors.js';
import { openGguf } from './gguf/openGguf.js';
import { maybeHfBitnet } from './hfBitnet/openHfBitnet.js';
import { openSafetensors, openShardedSafetensors } from './safetensors/index.js';
import { openTfjsModel } from './tfjs/openTfjs.js';
import type { CheckpointSource } from './types.js';

export async function openCheckpoint(path: string): Promise<CheckpointSource> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BitnetLabError('io', code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code ?? String(e)})`, { file: path });
  }
  if (info.isDirectory()) return openCheckpoint(await pickInFolder(path));

  const name = basename(path).toLowerCase();
  if (name.endsWith('.gguf')) return openGguf(path);
  if (name.endsWith('.index.json')) return maybeHfBitnet(await openShardedSafetensors(path));
  if (name.endsWith('.json')) return openTfjsModel(path);
  if (name.endsWith('.safetensors')) return maybeHfBitnet(await openSafetensors(path));
  throw new BitnetLabError(
    'unsupported',
    'not a checkpoint BitNet Lab reads (expected .safetensors, model.safetensors.index.json, .gguf or a tfjs model.json)',
    { file: path },
  );
}

async function pickInFolder(folder: string): Promise<string> {
  const names = (await readdir(folder)).sort();
  const preferred = ['model.safetensors.index.json', 'model.safetensors'].find((n) => names.includes(n));
  if (preferred) return join(folder, preferred);
  for (const ext of ['.safetensors.index.json', '.safetensors', '.gguf']) {
    const matches = names.filter((n) => n.endsWith(ext) && (ext !== '.safetensors' || !names.some((m) => m.endsWith('.safetensors.index.json'))));
    if (matches.length === 1) return join(folder, matches[0]!);
    if (matches.length > 1) {
      throw new BitnetLabError('usage', `the folder holds several ${ext} files (${matches.slice(0, 4).join(', ')}${matches.length > 4 ? ', …' : ''}): open one of them`, { file: folder });
    }
  }
  if (names.includes('model.json')) return join(folder, 'model.json');
  throw new BitnetLabError('unsupported', 'no checkpoint found in this folder (.safetensors, .gguf, model.json)', { file: folder });
}
