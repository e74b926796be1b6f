/**
 * Where a checkpoint's tokenizer lives:
 *   - a .gguf file's own tokenizer.ggml.* metadata (what llama.cpp runs it with);
 *   - else tokenizer.json (+ tokenizer_config.json) in the checkpoint's folder
 *     (the path itself when it is a folder, else the folder holding the file
 *     or the sharded index);
 *   - else our byte-level LM, when config.json beside says
 *     "bitnet_lab": {"tokenizer": "bytes"} (nn/hfLmConfig.ts);
 *   - else what the checkpoint itself holds: GGUF metadata of the file a
 *     folder holds, the same config.json in a checkpoint's __metadata__, or
 *     the family of a bitnet-lab training checkpoint (our LM is byte-level).
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BitnetLabError } from '../../errors.js';
import { readConfigJson } from '../../formats/hfBitnet/hfConfig.js';
import type { GgufEntry } from '../../formats/gguf/ggufValue.js';
import { openCheckpoint } from '../../formats/open.js';

/** The value of config.json's bitnet_lab.tokenizer for our byte-level LM (nn/hfLmConfig.ts BYTE_TOKENIZER). */
const BYTE_TOKENIZER = 'bytes';

export type TokenizerSource =
  | { kind: 'hf'; tokenizerJson: string; tokenizerConfig: string | undefined }
  | { kind: 'gguf'; file: string; entries: readonly GgufEntry[] }
  | { kind: 'bytes'; why: string };

const saysBytes = (config: unknown): boolean =>
  typeof config === 'object' && config !== null && (config as { bitnet_lab?: { tokenizer?: unknown } }).bitnet_lab?.tokenizer === BYTE_TOKENIZER;

/** The checkpoint's GGUF tokenizer or byte-LM marker, when it has one. */
async function fromCheckpoint(path: string): Promise<TokenizerSource | undefined> {
  const src = await openCheckpoint(path);
  try {
    if (src.ggufEntries?.some((e) => e.key === 'tokenizer.ggml.model')) return { kind: 'gguf', file: src.path, entries: src.ggufEntries };
    const meta = src.metadata;
    if (meta['config.json'] !== undefined) {
      let config: unknown;
      try {
        config = JSON.parse(meta['config.json']);
      } catch {
        config = undefined;
      }
      if (saysBytes(config)) return { kind: 'bytes', why: `${src.path}: __metadata__ config.json says bitnet_lab.tokenizer "bytes"` };
    }
    if (meta['bitnet_lab.family'] === 'lm') return { kind: 'bytes', why: `${src.path}: a bitnet-lab training checkpoint of the byte-level LM family` };
    return undefined;
  } finally {
    await src.close();
  }
}

/** The checkpoint's tokenizer, or undefined when it has none (an export can still write its tensors). */
export async function findTokenizer(checkpointPath: string): Promise<TokenizerSource | undefined> {
  let isDir: boolean;
  try {
    isDir = (await stat(checkpointPath)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BitnetLabError('io', code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code ?? String(e)})`, { file: checkpointPath });
  }
  const dir = isDir ? checkpointPath : dirname(checkpointPath);
  const tokenizerJson = join(dir, 'tokenizer.json');
  const configPath = join(dir, 'tokenizer_config.json');
  const hf: TokenizerSource | undefined = existsSync(tokenizerJson)
    ? { kind: 'hf', tokenizerJson, tokenizerConfig: existsSync(configPath) ? configPath : undefined }
    : undefined;
  const isGguf = !isDir && checkpointPath.toLowerCase().endsWith('.gguf');
  if (isGguf) {
    const own = await fromCheckpoint(checkpointPath);
    if (own) return own;
  }
  if (hf) return hf;
  const configJson = join(dir, 'config.json');
  if (saysBytes(await readConfigJson(configJson))) return { kind: 'bytes', why: `${configJson} says bitnet_lab.tokenizer "bytes"` };
  if (!isGguf) return fromCheckpoint(checkpointPath);
  return undefined;
}

/** Why a checkpoint has no tokenizer we read, in one sentence. */
export function noTokenizerReason(checkpointPath: string, isDir: boolean): string {
  const dir = isDir ? checkpointPath : dirname(checkpointPath);
  // Older checkpoints may ship only the slow tokenizers' files, which we do not read.
  const slow = ['tokenizer.model', 'vocab.json'].filter((f) => existsSync(join(dir, f)));
  const note = slow.length > 0 ? ` (${slow.join(' and ')} found: we read tokenizer.json only, which transformers writes with save_pretrained)` : '';
  return `no tokenizer found: no tokenizer.json in ${dir}${note}, no tokenizer.ggml.* metadata in the checkpoint, and no config.json marking our byte-level LM ("bitnet_lab": {"tokenizer": "bytes"})`;
}

export async function locateTokenizer(checkpointPath: string): Promise<TokenizerSource> {
  const found = await findTokenizer(checkpointPath);
  if (found) return found;
  const isDir = (await stat(checkpointPath)).isDirectory();
  throw new BitnetLabError('unsupported', noTokenizerReason(checkpointPath, isDir), { file: checkpointPath });
}
