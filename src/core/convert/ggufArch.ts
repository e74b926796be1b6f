/**
 * Which GGUF architecture a Hugging Face checkpoint becomes, and the
 * hyper-parameters and tensor names that architecture's loader reads
 * (peers.md §2; llama.cpp src/llama-arch.cpp, src/models/llama.cpp,
 * src/models/bitnet.cpp; convert_hf_to_gguf.py TextModel.set_gguf_parameters):
 *   - `llama`: Llama (SiLU MLP, no sub-norms). Q/K rows permuted for its
 *     interleaved RoPE (headPermutation.ts); the head is `output.weight`
 *     unless tied, when llama.cpp reuses `token_embd`.
 *   - `bitnet`: upstream llama.cpp's BitNet b1.58 — SiLU-gated FFN,
 *     attn_sub_norm / ffn_sub_norm, NEOX RoPE, and always a tied head (an
 *     extra output.weight fails its tensor count check).
 *   - `bitnet-b1.58`: the relu² BitNet of 2B4T, which only Microsoft's fork
 *     in bitnet.cpp defines (same names, NEOX RoPE, optional output.weight).
 * Without a config.json naming one of these we cannot write a model, and say
 * so: the GGUF is then a tensor container.
 */
import { BitnetLabError } from '../errors.js';
import type { GgufKv } from '../formats/gguf/ggufWriter.js';
import { llamaCppName } from '../formats/gguf/llamaNames.js';

export type GgufArch = 'llama' | 'bitnet' | 'bitnet-b1.58';

export type GgufTensorTarget = { name: string; permuteHeads?: number } | { drop: string };

export interface GgufModelLayout {
  arch: GgufArch;
  /** Which runtimes load the file, for the user. */
  runtimes: string;
  hparams: GgufKv[];
  /** The GGUF name of an HF tensor (and how many heads its rows permute over), or why it is left out. */
  target(hfName: string): GgufTensorTarget;
  /** F32 tensors the architecture needs that the checkpoint does not hold (Llama 3's rope_freqs). */
  extraTensors: GgufExtraTensor[];
}

export interface GgufExtraTensor {
  name: string;
  values: Float32Array;
}

export const RUNTIMES: Record<GgufArch, string> = {
  llama: 'llama.cpp (and anything built on it)',
  bitnet: 'llama.cpp (upstream "bitnet" architecture)',
  'bitnet-b1.58': 'bitnet.cpp only (Microsoft\'s llama.cpp fork); upstream llama.cpp has no relu² BitNet and answers "unknown model architecture"',
};

function int(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function num(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Why a checkpoint is not exported as a model, or its architecture. */
function archOf(config: Record<string, unknown>, names: ReadonlySet<string>): GgufArch | string {
  const modelType = typeof config['model_type'] === 'string' ? (config['model_type'] as string).toLowerCase() : '';
  const archs = Array.isArray(config['architectures']) ? config['architectures'].filter((a): a is string => typeof a === 'string') : [];
  const act = String(config['hidden_act'] ?? config['hidden_activation'] ?? 'silu').toLowerCase();
  const hasSubNorms = [...names].some((n) => /\.(attn_sub_norm|inner_attn_ln)\.weight$/.test(n));
  const bitnet = modelType === 'bitnet' || archs.some((a) => /bitnet/i.test(a)) || hasSubNorms;
  if (bitnet) {
    if (act === 'relu2') return 'bitnet-b1.58';
    if (act === 'silu') return 'bitnet';
    return `hidden_act "${act}" is neither BitNet's relu2 nor silu`;
  }
  if (modelType === 'llama' || archs.includes('LlamaForCausalLM')) {
    if (act !== 'silu') return `a Llama with hidden_act "${act}" is not what llama.cpp's llama graph computes (SiLU)`;
    return 'llama';
  }
  return `model_type "${modelType || '?'}" is neither Llama nor BitNet`;
}

interface RopeScaling {
  kvs: GgufKv[];
  /** llama.cpp's per-frequency factors tensor (`rope_freqs.weight`), for Llama 3 scaling. */
  ropeFreqs?: Float32Array;
}

/**
 * Llama 3 RoPE scaling as llama.cpp's converter bakes it into
 * `rope_freqs.weight` (convert_hf_to_gguf.py LlamaModel.generate_extra_tensors):
 * one factor per rotated pair — 1 for short wavelengths, `factor` for long
 * ones, a smooth blend between.
 */
function llama3RopeFactors(r: Record<string, unknown>, theta: number, headDim: number): Float32Array {
  const get = (k: string, d: number): number => (typeof r[k] === 'number' ? (r[k] as number) : d);
  const factor = get('factor', 8);
  const low = get('low_freq_factor', 1);
  const high = get('high_freq_factor', 4);
  const oldCtx = get('original_max_position_embeddings', 8192);
  const lowWavelen = oldCtx / low;
  const highWavelen = oldCtx / high;
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < out.length; i++) {
    // torch computes these in float32; fround keeps us within an ulp of it.
    const freq = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim)));
    const wavelen = Math.fround((2 * Math.PI) / freq);
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = factor;
    else {
      const smooth = (oldCtx / wavelen - low) / (high - low);
      out[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return out;
}

/** The rope.scaling entries for config.rope_scaling, or a refusal for kinds we do not write. */
function ropeScaling(arch: GgufArch, config: Record<string, unknown>, headDim: number, file: string): RopeScaling {
  const rs = config['rope_scaling'];
  if (rs === undefined || rs === null) return { kvs: [] };
  const r = rs as Record<string, unknown>;
  const kind = String(r['rope_type'] ?? r['type'] ?? '');
  const factor = typeof r['factor'] === 'number' ? r['factor'] : undefined;
  if ((kind === 'linear' || kind === 'default') && factor !== undefined) {
    return {
      kvs: [
        { key: `${arch}.rope.scaling.type`, type: 'string', value: 'linear' },
        { key: `${arch}.rope.scaling.factor`, type: 'f32', value: factor },
      ],
    };
  }
  // Only llama's loader reads rope_freqs; bitnet would count it as an extra tensor.
  if (kind === 'llama3' && arch === 'llama') return { kvs: [], ropeFreqs: llama3RopeFactors(r, num(config, 'rope_theta') ?? 10000, headDim) };
  throw new BitnetLabError('unsupported', `rope_scaling of type "${kind}" is not written to GGUF ${arch} (only linear${arch === 'llama' ? ' and llama3' : ''}); the model would run with the wrong positions`, { file });
}

export function ggufModelLayout(
  config: Record<string, unknown> | undefined,
  tensorNames: readonly string[],
  configFile: string,
): GgufModelLayout | { container: string } {
  if (config === undefined) return { container: 'no config.json beside the checkpoint, so no architecture or hyper-parameters' };
  const names = new Set(tensorNames);
  const arch = archOf(config, names);
  if (arch !== 'llama' && arch !== 'bitnet' && arch !== 'bitnet-b1.58') return { container: arch };
  const place = { file: configFile };
  const need = (key: string): number => {
    const v = int(config, key);
    if (v === undefined) throw new BitnetLabError('header', `config.json has no positive integer "${key}", which the GGUF model needs`, place);
    return v;
  };
  const hidden = need('hidden_size');
  const layers = need('num_hidden_layers');
  const heads = need('num_attention_heads');
  const kvHeads = int(config, 'num_key_value_heads') ?? heads;
  const headDim = int(config, 'head_dim') ?? hidden / heads;
  if (!Number.isInteger(headDim)) throw new BitnetLabError('header', `hidden_size ${hidden} does not split into ${heads} heads`, place);
  if (arch !== 'llama' && heads * headDim !== hidden) {
    // llama.cpp's bitnet loader shapes attn_q as {n_embd, n_embd}.
    throw new BitnetLabError('unsupported', `${arch} needs heads × head_dim = hidden_size (${heads} × ${headDim} ≠ ${hidden})`, place);
  }
  const tied = config['tie_word_embeddings'] === true || !names.has('lm_head.weight');
  if (arch === 'bitnet' && !tied) {
    throw new BitnetLabError(
      'unsupported',
      'a SiLU BitNet model with its own lm_head cannot be written as llama.cpp\'s "bitnet" architecture, which always ties the head to token_embd',
      place,
    );
  }
  const A = arch;
  const rope = ropeScaling(arch, config, headDim, configFile);
  const hparams: GgufKv[] = [
    { key: `${A}.context_length`, type: 'u32', value: need('max_position_embeddings') },
    { key: `${A}.embedding_length`, type: 'u32', value: hidden },
    { key: `${A}.block_count`, type: 'u32', value: layers },
    { key: `${A}.feed_forward_length`, type: 'u32', value: need('intermediate_size') },
    { key: `${A}.attention.head_count`, type: 'u32', value: heads },
    { key: `${A}.attention.head_count_kv`, type: 'u32', value: kvHeads },
    { key: `${A}.attention.layer_norm_rms_epsilon`, type: 'f32', value: num(config, 'rms_norm_eps') ?? 1e-6 },
    { key: `${A}.rope.freq_base`, type: 'f32', value: num(config, 'rope_theta') ?? 10000 },
    { key: `${A}.rope.dimension_count`, type: 'u32', value: headDim },
    ...rope.kvs,
  ];
  if (headDim !== hidden / heads) {
    hparams.push({ key: `${A}.attention.key_length`, type: 'u32', value: headDim });
    hparams.push({ key: `${A}.attention.value_length`, type: 'u32', value: headDim });
  }
  const vocab = int(config, 'vocab_size');
  if (vocab !== undefined) hparams.push({ key: `${A}.vocab_size`, type: 'u32', value: vocab });

  const target = (hfName: string): GgufTensorTarget => {
    if (hfName === 'lm_head.weight' && tied) return { drop: 'the head is tied to token_embd (tie_word_embeddings), so the runtime reuses the embedding' };
    const name = llamaCppName(hfName);
    if (name === hfName) return { drop: `not a tensor the ${arch} graph loads` };
    if (arch === 'llama') {
      if (/^blk\.\d+\.attn_q\.(weight|bias)$/.test(name)) return { name, permuteHeads: heads };
      if (/^blk\.\d+\.attn_k\.(weight|bias)$/.test(name)) return { name, permuteHeads: kvHeads };
    }
    return { name };
  };
  const extraTensors = rope.ropeFreqs ? [{ name: 'rope_freqs.weight', values: rope.ropeFreqs }] : [];
  return { arch, runtimes: RUNTIMES[arch], hparams, target, extraTensors };
}
