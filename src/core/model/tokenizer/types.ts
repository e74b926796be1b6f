/**
 * What the model runtime needs from a tokenizer, whatever file it came from:
 * tokenizer.json (+ tokenizer_config.json) through @huggingface/tokenizers,
 * GGUF `tokenizer.ggml.*` (llama SPM or gpt2 BPE, giving llama.cpp's ids), or
 * raw bytes for our own byte-level LM.
 */
export type TokenizerKind = 'hf' | 'gguf-llama' | 'gguf-gpt2' | 'bytes';

export interface Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosId?: number;
  /** Where it was read from and how, for provenance (file, model type, BOS policy). */
  readonly description: string;
  /**
   * Ids for a whole text as the tokenizer itself would produce them: special
   * tokens (BOS) added exactly where it adds them, unless `addSpecial` is false.
   */
  encode(text: string, options?: { addSpecial?: boolean }): number[];
  /** Text of a run of ids, special tokens skipped. */
  decode(ids: readonly number[]): string;
}
