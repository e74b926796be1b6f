/**
 * The hyper-parameters of a decoder-only transformer, from wherever the
 * checkpoint keeps them: a Hugging Face config.json (beside the weights, or in
 * our own LM's safetensors __metadata__) or GGUF `{arch}.*` metadata. One
 * shape for all, so the forward pass never asks where a number came from.
 *
 * Supported: LlamaForCausalLM (model_type "llama"), BitNetForCausalLM
 * (model_type "bitnet": attn_sub_norm, ffn_sub_norm, relu2 or silu), and GGUF
 * architectures llama, bitnet (upstream llama.cpp: SiLU) and bitnet-b1.58
 * (Microsoft's fork: relu²). Anything else is a one-line 'unsupported' error
 * naming what the file says it is.
 */
import { BitnetLabError } from '../errors.js';

export type Activation = 'silu' | 'relu2';

/**
 * How RoPE pairs the dimensions of a head: Hugging Face's rotate_half pairs
 * i with i + d/2 ("half", GPT-NeoX style); llama.cpp's normal RoPE pairs 2i
 * with 2i+1 ("interleaved"). llama.cpp's converter permutes the Q/K rows of
 * `llama` models from the first layout to the second (convert_hf_to_gguf.py
 * LlamaModel.permute); rotating the permuted rows by interleaved pairs is
 * exactly rotating the original rows by halves, and q·k is unchanged by a
 * permutation shared by Q and K, so running a llama GGUF with interleaved RoPE
 * undoes the permutation without moving a single (possibly packed) weight.
 */
export type RopeStyle = 'half' | 'interleaved';

export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

export interface ModelConfig {
  /** What the file calls it: an HF `architectures[0]` or `gguf:<general.architecture>`. */
  architecture: string;
  family: 'llama' | 'bitnet';
  vocabSize: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  rmsEps: number;
  activation: Activation;
  ropeTheta: number;
  ropeStyle: RopeStyle;
  ropeScaling?: Llama3RopeScaling;
  /** Positions the model was trained for (max_position_embeddings / context_length). */
  contextLength: number;
  tiedHead: boolean;
}

type Json = Record<string, unknown>;

function fail(reason: string, file: string): never {
  throw new BitnetLabError('unsupported', reason, { file });
}

function positiveInt(c: Json, key: string, file: string, fallback?: number): number {
  const v = c[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new BitnetLabError('header', `config ${key} must be a positive integer, got ${JSON.stringify(v)}`, { file });
  }
  return v;
}

function positiveNumber(c: Json, key: string, file: string, fallback?: number): number {
  const v = c[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new BitnetLabError('header', `config ${key} must be a positive number, got ${JSON.stringify(v)}`, { file });
  }
  return v;
}

function checkHeads(c: ModelConfig, file: string): ModelConfig {
  if (c.heads % c.kvHeads !== 0) {
    throw new BitnetLabError('header', `${c.heads} attention heads are not a multiple of ${c.kvHeads} key/value heads`, { file });
  }
  if (c.headDim % 2 !== 0) throw new BitnetLabError('header', `head dimension ${c.headDim} is odd: RoPE rotates pairs`, { file });
  return c;
}

function parseRopeScaling(v: unknown, file: string): Llama3RopeScaling | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') throw new BitnetLabError('header', 'config rope_scaling is not an object', { file });
  const s = v as Json;
  const kind = s['rope_type'] ?? s['type'];
  if (kind === 'default') return undefined;
  if (kind !== 'llama3') fail(`rope_scaling type ${JSON.stringify(kind)} is not supported (only llama3)`, file);
  return {
    type: 'llama3',
    factor: positiveNumber(s, 'factor', file),
    lowFreqFactor: positiveNumber(s, 'low_freq_factor', file),
    highFreqFactor: positiveNumber(s, 'high_freq_factor', file),
    originalMaxPositions: positiveInt(s, 'original_max_position_embeddings', file),
  };
}

const HF_FAMILIES: Record<string, 'llama' | 'bitnet'> = {
  LlamaForCausalLM: 'llama',
  BitNetForCausalLM: 'bitnet',
};

/** A Hugging Face config.json (as an object) → ModelConfig; `file` names it in errors. */
export function configFromHf(c: Json, file: string): ModelConfig {
  const archs = Array.isArray(c['architectures']) ? (c['architectures'] as unknown[]).map(String) : [];
  const modelType = typeof c['model_type'] === 'string' ? c['model_type'] : undefined;
  const architecture = archs.find((a) => a in HF_FAMILIES);
  const family = architecture !== undefined ? HF_FAMILIES[architecture]! : modelType === 'llama' ? 'llama' : modelType === 'bitnet' ? 'bitnet' : undefined;
  if (family === undefined) {
    fail(`unsupported architecture: architectures ${JSON.stringify(archs)}, model_type ${JSON.stringify(modelType ?? null)} (supported: LlamaForCausalLM, BitNetForCausalLM)`, file);
  }
  const act = c['hidden_act'] ?? 'silu';
  if (act !== 'silu' && act !== 'relu2') fail(`hidden_act ${JSON.stringify(act)} is not supported (silu, relu2)`, file);
  if (c['attention_bias'] === true || c['mlp_bias'] === true) fail('linear biases (attention_bias / mlp_bias) are not supported', file);
  const partial = c['partial_rotary_factor'];
  if (partial !== undefined && partial !== 1) fail(`partial_rotary_factor ${JSON.stringify(partial)} is not supported`, file);
  return buildConfig(c, {
    architecture: architecture ?? archs[0] ?? String(modelType),
    family,
    activation: act,
    ropeStyle: 'half',
    ropeScaling: parseRopeScaling(c['rope_scaling'], file),
    // transformers' PretrainedConfig default is tied; BitNetConfig and LlamaConfig default to untied.
    tiedHead: c['tie_word_embeddings'] === true,
    rmsEpsDefault: 1e-6,
  }, file);
}

/** What a config's source decides beyond the numbers (HF: from config.json's fields; GGUF: from the architecture and tensors). */
interface ConfigFacts {
  architecture: string;
  family: 'llama' | 'bitnet';
  activation: Activation;
  ropeStyle: RopeStyle;
  ropeScaling: Llama3RopeScaling | undefined;
  tiedHead: boolean;
  /** rms_norm_eps when absent (undefined: required). */
  rmsEpsDefault: number | undefined;
}

/** The one builder: numbers under their Hugging Face config.json names (GGUF keys are mapped to them first). */
function buildConfig(c: Json, f: ConfigFacts, file: string): ModelConfig {
  const hidden = positiveInt(c, 'hidden_size', file);
  const heads = positiveInt(c, 'num_attention_heads', file);
  return checkHeads(
    {
      architecture: f.architecture,
      family: f.family,
      vocabSize: positiveInt(c, 'vocab_size', file),
      hidden,
      intermediate: positiveInt(c, 'intermediate_size', file),
      layers: positiveInt(c, 'num_hidden_layers', file),
      heads,
      kvHeads: positiveInt(c, 'num_key_value_heads', file, heads),
      headDim: positiveInt(c, 'head_dim', file, Math.floor(hidden / heads)),
      rmsEps: positiveNumber(c, 'rms_norm_eps', file, f.rmsEpsDefault),
      activation: f.activation,
      ropeTheta: positiveNumber(c, 'rope_theta', file, 10000),
      ropeStyle: f.ropeStyle,
      ...(f.ropeScaling ? { ropeScaling: f.ropeScaling } : {}),
      contextLength: positiveInt(c, 'max_position_embeddings', file, 2048),
      tiedHead: f.tiedHead,
    },
    file,
  );
}

/** GGUF architectures we run, with what llama.cpp does for each (peers.md §2). */
const GGUF_ARCHS: Record<string, { family: 'llama' | 'bitnet'; activation: Activation; ropeStyle: RopeStyle }> = {
  llama: { family: 'llama', activation: 'silu', ropeStyle: 'interleaved' },
  bitnet: { family: 'bitnet', activation: 'silu', ropeStyle: 'half' },
  'bitnet-b1.58': { family: 'bitnet', activation: 'relu2', ropeStyle: 'half' },
};

/**
 * GGUF metadata (rendered as strings by the reader) → ModelConfig.
 * `tensorNames` decides the head (no output.weight → tied) and `vocabRows`
 * is the token embedding's row count, the vocab when the key is absent.
 */
export function configFromGguf(meta: Readonly<Record<string, string>>, file: string, tensorNames: ReadonlySet<string>, vocabRows: number): ModelConfig {
  const arch = meta['general.architecture'];
  const known = arch !== undefined ? GGUF_ARCHS[arch] : undefined;
  if (!known) fail(`unsupported architecture: general.architecture ${JSON.stringify(arch ?? null)} (supported: ${Object.keys(GGUF_ARCHS).join(', ')})`, file);
  const num = (key: string): number | undefined => {
    const v = meta[`${arch}.${key}`];
    return v === undefined ? undefined : Number(v);
  };
  const c: Json = {
    hidden_size: num('embedding_length'),
    intermediate_size: num('feed_forward_length'),
    num_hidden_layers: num('block_count'),
    num_attention_heads: num('attention.head_count'),
    num_key_value_heads: num('attention.head_count_kv'),
    rms_norm_eps: num('attention.layer_norm_rms_epsilon'),
    rope_theta: num('rope.freq_base'),
    max_position_embeddings: num('context_length'),
    vocab_size: num('vocab_size') ?? vocabRows,
  };
  // GGUF has no head_dim key: the head size is hidden / heads, and RoPE must rotate all of it.
  const hidden = positiveInt(c, 'hidden_size', file);
  const headDim = Math.floor(hidden / positiveInt(c, 'num_attention_heads', file));
  const ropeDims = num('rope.dimension_count');
  if (ropeDims !== undefined && ropeDims !== headDim) fail(`partial RoPE (rope.dimension_count ${ropeDims} of head size ${headDim}) is not supported`, file);
  return buildConfig(c, {
    architecture: `gguf:${arch}`,
    family: known.family,
    activation: known.activation,
    ropeStyle: known.ropeStyle,
    ropeScaling: undefined,
    tiedHead: !tensorNames.has('output.weight'),
    rmsEpsDefault: undefined,
  }, file);
}
