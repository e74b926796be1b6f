/**
 * Our LM as a Hugging Face `config.json` (transformers BitNetConfig,
 * model_type "bitnet"), and back. Training writes it beside the checkpoints
 * and into each checkpoint's __metadata__ (key META.hfConfig), so eval,
 * generate and quantize read our runs like any HF BitNet model.
 *
 * The byte-level tokenizer has no tokenizer.json; the config marks it as
 *   "bitnet_lab": { "tokenizer": "bytes" }
 * meaning token id = byte value (0–255), no special tokens, no BOS/EOS
 * (the tokenizer's loadTokenizer looks for exactly this key).
 */
import { BitnetLabError } from '../errors.js';
import { LM_ACTIVATIONS, type LmActivation, type LmConfig } from './transformerLm.js';

export const BYTE_TOKENIZER = 'bytes';

export interface HfLmExtras {
  /** transformers' quantization_config, when the weights are meant to be run quantized. */
  quantizationConfig?: Record<string, unknown>;
  /** More keys under "bitnet_lab" (provenance). */
  bitnetLab?: Record<string, unknown>;
}

export function hfLmConfig(c: LmConfig, extras: HfLmExtras = {}): Record<string, unknown> {
  return {
    architectures: ['BitNetForCausalLM'],
    model_type: 'bitnet',
    vocab_size: c.vocab,
    hidden_size: c.dModel,
    intermediate_size: c.ffnDim,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.kvHeads,
    head_dim: c.dModel / c.heads,
    hidden_act: c.act,
    max_position_embeddings: c.context,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    tie_word_embeddings: c.tieEmbeddings,
    attention_bias: false,
    attention_dropout: 0,
    // BitNetConfig's defaults (128000/128001) are Llama-3 ids, out of range for 256 bytes.
    bos_token_id: null,
    eos_token_id: null,
    pad_token_id: null,
    torch_dtype: 'float32',
    ...(extras.quantizationConfig ? { quantization_config: extras.quantizationConfig } : {}),
    bitnet_lab: { tokenizer: BYTE_TOKENIZER, ...extras.bitnetLab },
  };
}

/** The LmConfig a BitNetForCausalLM config.json describes; a typed error naming `file` for anything we cannot train. */
export function lmConfigFromHf(hf: Record<string, unknown>, file?: string): LmConfig {
  const bad = (what: string): never => {
    throw new BitnetLabError('unsupported', `config.json: ${what}`, { file });
  };
  const int = (key: string, fallback?: number): number => {
    const v = hf[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) bad(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const num = (key: string, fallback: number): number => {
    const v = hf[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) bad(`${key} must be a positive number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  if (hf['model_type'] !== 'bitnet') bad(`model_type is ${JSON.stringify(hf['model_type'])}, the LM family is "bitnet"`);
  const act = hf['hidden_act'] ?? 'relu2';
  if (!LM_ACTIVATIONS.includes(act as LmActivation)) bad(`hidden_act ${JSON.stringify(act)} is not one of ${LM_ACTIVATIONS.join(', ')}`);
  const heads = int('num_attention_heads');
  return {
    vocab: int('vocab_size'),
    dModel: int('hidden_size'),
    layers: int('num_hidden_layers'),
    heads,
    kvHeads: int('num_key_value_heads', heads),
    ffnDim: int('intermediate_size'),
    context: int('max_position_embeddings'),
    act: act as LmActivation,
    tieEmbeddings: hf['tie_word_embeddings'] === true,
    ropeTheta: num('rope_theta', 10000),
    rmsNormEps: num('rms_norm_eps', 1e-5),
  };
}
