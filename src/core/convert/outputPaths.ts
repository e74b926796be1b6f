/**
 * Where quantize writes: the model file (and for hf-bitnet the folder around
 * it), checked against the format before anything is written. Missing output
 * folders are created, and removed again if the export fails.
 */
import { copyFile, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { BitnetLabError } from '../errors.js';
import type { CheckpointSource } from '../formats/types.js';
import type { QuantizeFormat } from './types.js';

export interface OutputPaths {
  model: string;
  /** The output folder of an hf-bitnet export (config.json, tokenizer files beside the model). */
  folder?: string;
  /** The outermost folder we created, removed if the export fails. */
  createdDir?: string;
}

/** Files beside an HF checkpoint that a complete model folder carries along (transformers' AutoTokenizer / GenerationConfig). */
export const HF_COMPANION_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'tokenizer.model',
  'vocab.json',
  'merges.txt',
  'chat_template.jinja',
  'chat_template.json',
  'generation_config.json',
] as const;

/** Extensions of model files that are not safetensors: naming one for a safetensors format is a mistake. */
const OTHER_MODEL_EXTENSIONS = new Set(['.gguf', '.bin', '.pt', '.pth', '.ckpt', '.onnx', '.h5', '.json', '.npz']);

/** Folder the input lives in (for config.json); a sharded index lives beside its shards. */
export function inputFolder(source: CheckpointSource): string {
  return dirname(resolve(source.path));
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function checkExtension(out: string, format: QuantizeFormat): void {
  const ext = extname(out).toLowerCase();
  const refuse = (want: string): never => {
    throw new BitnetLabError('usage', `--format ${format} writes ${want}, but the output is named ${basename(out)}`, { file: out });
  };
  if (format.startsWith('gguf-')) {
    if (ext !== '.gguf') refuse('a .gguf file');
  } else if (format === 'fake-quant') {
    if (ext !== '.safetensors') refuse('a .safetensors file');
  } else if (OTHER_MODEL_EXTENSIONS.has(ext)) {
    refuse('a model folder or a .safetensors file');
  }
}

export async function resolveOutputs(source: CheckpointSource, out0: string, format: QuantizeFormat, writesConfig: boolean): Promise<OutputPaths> {
  const out = resolve(out0);
  checkExtension(out, format);
  const inputs = new Set([resolve(source.path), ...source.tensors.map((t) => resolve(t.file))]);
  if (inputs.has(out)) throw new BitnetLabError('usage', 'the output would overwrite the input', { file: out });
  const isFolder = format === 'hf-bitnet' && extname(out).toLowerCase() !== '.safetensors';
  const dir = isFolder ? out : dirname(out);
  const model = isFolder ? join(out, 'model.safetensors') : out;
  if (inputs.has(model)) throw new BitnetLabError('usage', 'the output would overwrite the input', { file: model });
  const paths: OutputPaths = { model };
  if (format === 'hf-bitnet') {
    if (writesConfig && dir === inputFolder(source)) {
      throw new BitnetLabError('usage', 'writing config.json into the input folder would overwrite the input config; choose another output folder', { file: dir });
    }
    paths.folder = dir;
  }
  if (!(await exists(dir))) {
    try {
      const created = await mkdir(dir, { recursive: true });
      if (created !== undefined) paths.createdDir = created;
    } catch (e) {
      throw new BitnetLabError('io', `cannot create the output folder: ${e instanceof Error ? e.message : String(e)}`, { file: dir });
    }
  }
  return paths;
}

/** Removes the folders resolveOutputs created, when they are still empty (a failed export leaves nothing behind). */
export async function removeCreatedDirs(paths: OutputPaths): Promise<void> {
  if (paths.createdDir === undefined) return;
  const empty = async (d: string): Promise<boolean> => {
    for (const e of await readdir(d, { withFileTypes: true })) if (!e.isDirectory() || !(await empty(join(d, e.name)))) return false;
    return true;
  };
  if (await empty(paths.createdDir).catch(() => false)) await rm(paths.createdDir, { recursive: true }).catch(() => undefined);
}

/**
 * Copies the companion files that exist beside the input into the output
 * folder, each through a temporary name, so the folder is a model
 * transformers loads whole. Returns the files written.
 */
export async function copyCompanions(fromDir: string, toDir: string): Promise<string[]> {
  const written: string[] = [];
  let tmp: string | undefined;
  try {
    for (const f of HF_COMPANION_FILES) {
      const from = join(fromDir, f);
      if (!(await exists(from))) continue;
      const to = join(toDir, f);
      tmp = `${to}.tmp-${process.pid}`;
      await copyFile(from, tmp);
      await rename(tmp, to);
      tmp = undefined;
      written.push(to);
    }
  } catch (e) {
    for (const w of tmp === undefined ? written : [tmp, ...written]) await unlink(w).catch(() => undefined);
    throw new BitnetLabError('io', `cannot copy the tokenizer / generation files: ${e instanceof Error ? e.message : String(e)}`, { file: toDir });
  }
  return written;
}
