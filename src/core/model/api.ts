/**
 * The contract of the model runtime (src/core/model): what eval and generate
 * take and return. The CLI (`bitnet-lab eval` / `generate`), the job process
 * and the VS Code Quality / Try-it views all speak these shapes; the JSON the
 * CLI prints is exactly them, so scripts can parse it.
 */
import type { RunOptions } from '../progress.js';

/**
 * How every linear layer but the output head computes:
 * - `fp`: the checkpoint's weights in float32;
 * - `ternary`: post-training BitNet b1.58 — absmean ternary weights (γ per
 *   tensor) and per-token absmax int8 activations, no norms added;
 * - `stored`: the checkpoint already is ternary; compute on its packed codes.
 */
export type LinearMode = 'fp' | 'ternary' | 'stored';

export interface ModelProvenance {
  checkpoint: string;
  /** e.g. 'LlamaForCausalLM', 'BitNetForCausalLM', read from config.json or GGUF metadata. */
  architecture: string;
  tokenizer: string;
  /** Compute path, e.g. 'wasm-simd ternary kernel, 2 threads' or 'float32 typed arrays'. */
  compute: string;
  threads: number;
  machine: string;
  settings: Record<string, string | number | boolean>;
}

export interface PerplexityResult {
  perplexity: number;
  /** Mean negative log-likelihood per predicted token, in nats. */
  nll: number;
  bitsPerByte: number;
  tokensPerSecond: number;
}

/** Output error of one linear layer of the converted model, on the real activations of the text. */
export interface LayerOutputError {
  name: string;
  layer: number;
  relativeRmse: number;
  cosine: number;
}

export interface EvalOptions extends RunOptions {
  /** Window length in tokens (default: min(config context, 512)). */
  context?: number;
  modes?: LinearMode[];
  threads?: number;
}

export interface EvalResult {
  tokens: number;
  windows: number;
  results: Partial<Record<LinearMode, PerplexityResult>>;
  layers: LayerOutputError[];
  provenance: ModelProvenance;
}

export interface GenerateOptions extends RunOptions {
  maxTokens?: number;
  /** 0 is greedy. */
  temperature?: number;
  topK?: number;
  seed?: number;
  mode?: LinearMode;
  threads?: number;
  /** Called with each new piece of text as it is made (for streaming). */
  onText?: (piece: string, tokenId: number) => void;
}

export interface GenerateResult {
  text: string;
  promptTokens: number;
  generatedTokens: number[];
  tokensPerSecond: number;
  provenance: ModelProvenance;
}
