/**
 * loadTokenizer: the tokenizer of any checkpoint we run (locate.ts says which
 * file it comes from). The runtime calls this; every kind gives the ids the
 * checkpoint's own peer gives (transformers for tokenizer.json, llama.cpp for
 * GGUF), tested against them.
 */
import { ByteTokenizer } from './bytes.js';
import { GgufTokenizer } from './ggufTokenizer.js';
import { HfTokenizer } from './hf.js';
import { locateTokenizer } from './locate.js';
import type { Tokenizer } from './types.js';

export async function loadTokenizer(checkpointPath: string): Promise<Tokenizer> {
  const src = await locateTokenizer(checkpointPath);
  switch (src.kind) {
    case 'hf': return HfTokenizer.load(src.tokenizerJson, src.tokenizerConfig);
    case 'gguf': return GgufTokenizer.fromEntries(src.entries, src.file);
    case 'bytes': return new ByteTokenizer(`byte-level (token = UTF-8 byte, no BOS): ${src.why}`);
  }
}
