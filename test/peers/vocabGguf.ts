/**
 * A vocabulary-only GGUF for llama.cpp (`loadModel({ vocabOnly: true })`):
 * the tokenizer entries plus the hyper-parameters llama.cpp's loader insists
 * on reading even when it loads no tensors (peers.md §2, "Required keys").
 * node-llama-cpp first simulates a full load to estimate memory, which logs
 * "missing tensor 'token_embd.weight'": harmless, the vocab-only load after it succeeds.
 */
import type { GgufEntry } from '../../src/core/formats/gguf/ggufValue.js';
import { GgufWriter } from '../../src/core/formats/gguf/ggufWriter.js';

export async function writeVocabGguf(path: string, tokenizer: readonly GgufEntry[]): Promise<void> {
  const tokens = tokenizer.find((e) => e.key === 'tokenizer.ggml.tokens');
  const n = tokens?.type === 'array' ? tokens.value.length : 0;
  const u32 = (key: string, value: number): GgufEntry => ({ key, type: 'u32', value });
  const w = await GgufWriter.create(path, [
    { key: 'general.architecture', type: 'string', value: 'llama' },
    u32('llama.context_length', 64),
    u32('llama.embedding_length', 64),
    u32('llama.block_count', 1),
    u32('llama.feed_forward_length', 64),
    u32('llama.attention.head_count', 1),
    { key: 'llama.attention.layer_norm_rms_epsilon', type: 'f32', value: 1e-5 },
    u32('llama.vocab_size', n),
    ...tokenizer,
  ], []);
  await w.commit();
}
