/**
 * The tokenizer a GGUF model export carries. llama.cpp will not load a model
 * without `tokenizer.ggml.model` and `tokenizer.ggml.tokens` ("error loading
 * model vocabulary: key not found"), so every model export writes the
 * checkpoint's own tokenizer as llama.cpp entries (model/tokenizer/toGguf.ts):
 * tokenizer.json beside it, or our byte-level LM's byte vocabulary.
 *
 * A tokenizer llama.cpp would tokenize differently is refused there, and that
 * refusal stops the export. A checkpoint with no tokenizer at all still
 * exports — its tensors and hyper-parameters are right — but the summary says
 * that no runtime loads the file until one is added.
 */
import { stat } from 'node:fs/promises';
import type { GgufEntry } from '../formats/gguf/ggufValue.js';
import { findTokenizer, noTokenizerReason } from '../model/tokenizer/locate.js';
import { tokenizerSourceGgufEntries } from '../model/tokenizer/toGguf.js';

export type ExportTokenizer =
  | { entries: GgufEntry[]; description: string }
  | { missing: string };

function describe(entries: readonly GgufEntry[], from: string): string {
  const model = entries.find((e) => e.key === 'tokenizer.ggml.model');
  const tokens = entries.find((e) => e.key === 'tokenizer.ggml.tokens');
  const pre = entries.find((e) => e.key === 'tokenizer.ggml.pre');
  const n = tokens?.type === 'array' ? tokens.value.length : 0;
  const kind = model?.type === 'string' ? model.value : '?';
  return `${kind}${pre?.type === 'string' && pre.value !== 'default' ? ` (pre-tokenizer ${pre.value})` : ''}, ${n} tokens, from ${from}`;
}

export async function exportTokenizer(checkpointPath: string): Promise<ExportTokenizer> {
  const found = await findTokenizer(checkpointPath);
  if (!found) return { missing: noTokenizerReason(checkpointPath, (await stat(checkpointPath)).isDirectory()) };
  const entries = await tokenizerSourceGgufEntries(found);
  const from = found.kind === 'hf' ? found.tokenizerJson : found.kind === 'gguf' ? found.file : `our byte-level LM (${found.why})`;
  return { entries, description: describe(entries, from) };
}
